{
  "targets": [
    {
      "target_name": "hutong_sm2",
      "sources": ["native/sm2.c", "native/sm2_z256.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"]
    }
  ]
}
