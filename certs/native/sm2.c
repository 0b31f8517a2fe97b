// hutong_sm2: SM2 sign/verify over the OpenSSL that is statically linked into
// Node and exports its symbols. The point arithmetic of keygen, ECDH, signing and verification
// runs on sm2_z256.c (OpenSSL 3.0 has no fast code for this curve; see "the sm2_z256 fast path"
// below); the EVP and EC_POINT code stays as the path taken with HUTONG_SM2_Z256=0. Node's own crypto.sign() computes Z_A with an
// empty user id; here the caller hands in e = SM3(Z_A || M), already computed
// with the right id, and OpenSSL signs or verifies that digest directly
// (EVP_PKEY_sign on an SM2 key signs the tbs bytes as e). Keys are imported
// once into an EVP_PKEY, with a sign/verify context cached on the handle, so
// the hot path does no parsing and no context set-up; jobs on the thread pool take contexts from
// a small per-key pool. Ephemeral keys and ECDH can run on the thread pool too.
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sm2_z256.h"

#define MAX_SIG 80
// Contexts kept per key for the thread pool: a fresh EVP_PKEY_CTX and sign/verify init per job
// cost about a third of the signature itself (OpenSSL 3's provider fetch and context set-up).
#define POOLED_CTX 8

typedef struct {
  EVP_PKEY *pkey;
  EVP_PKEY_CTX *ctx; // initialised for sign (private) or verify (public); main thread only
  int is_private;
  uv_mutex_t lock; // guards idle[] and n_idle: jobs on the thread pool take and return contexts
  EVP_PKEY_CTX *idle[POOLED_CTX];
  int n_idle;
  // The sm2_z256 fast path (see z256_sign / z256_verify): 0 where it is switched off or the
  // key does not suit it, and then the EVP contexts above do the work.
  int fast;
  sm2z_affine q;     // public key (verify handles)
  BIGNUM *d;         // d mod n (sign handles)
  BIGNUM *d1_inv;    // (1 + d)^-1 mod n (sign handles), computed once instead of per signature
} key_handle;

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, "ERR_HUTONG_NATIVE", "N-API call failed"); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static napi_value throw_err(napi_env env, const char *msg) {
  ERR_clear_error();
  napi_throw_error(env, "ERR_HUTONG_NATIVE", msg);
  return NULL;
}

static void key_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  key_handle *k = data;
  if (k == NULL) return;
  // Every job holds a reference to its key's handle, so none is running when this is called.
  for (int i = 0; i < k->n_idle; i++) EVP_PKEY_CTX_free(k->idle[i]);
  uv_mutex_destroy(&k->lock);
  EVP_PKEY_CTX_free(k->ctx);
  EVP_PKEY_free(k->pkey);
  BN_clear_free(k->d);
  BN_clear_free(k->d1_inv);
  OPENSSL_cleanse(k, sizeof *k);
  free(k);
}

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is_typed;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  void *raw;
  if (napi_get_typedarray_info(env, v, &type, len, &raw, &ab, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = raw;
  return 1;
}

static EVP_PKEY *build_pkey(const uint8_t *d, size_t dlen, const uint8_t *pub, size_t publen) {
  EVP_PKEY *pkey = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  BIGNUM *priv = NULL;
  if (bld == NULL) goto done;
  if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0)) goto done;
  if (!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen)) goto done;
  if (d != NULL) {
    priv = BN_bin2bn(d, (int)dlen, NULL);
    if (priv == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) goto done;
  }
  params = OSSL_PARAM_BLD_to_param(bld);
  if (params == NULL) goto done;
  pctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
  if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0) goto done;
  if (EVP_PKEY_fromdata(pctx, &pkey, d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    pkey = NULL;
  }
done:
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(priv);
  return pkey;
}

// --- the sm2_z256 fast path ---
// OpenSSL 3.0 multiplies points on this curve with generic code (~300-450 us per scalar
// multiplication); sm2_z256.c is several times faster. Signing and verification below are
// GB/T 32918.2's algorithms, following OpenSSL's own sm2_sign.c step for step (same nonce
// generator, same checks, same DER in and out) with only the point arithmetic replaced; mod-n
// arithmetic stays on BIGNUM. HUTONG_SM2_Z256=0 switches the fast path off (A/B measurements).

static int z256_enabled = 1;
static BIGNUM *sm2_order = NULL; // n, set once

static uv_once_t fast_once = UV_ONCE_INIT;

static void fast_init(void) {
  sm2z_init();
  const char *env = getenv("HUTONG_SM2_Z256");
  if (env != NULL && strcmp(env, "0") == 0) z256_enabled = 0;
  static const uint8_t n[32] = {0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x72, 0x03, 0xDF, 0x6B, 0x21, 0xC6,
                                0x05, 0x2B, 0x53, 0xBB, 0xF4, 0x09, 0x39, 0xD5, 0x41, 0x23};
  sm2_order = BN_bin2bn(n, 32, NULL);
  if (sm2_order == NULL) z256_enabled = 0;
}

static int fast_enabled(void) {
  uv_once(&fast_once, fast_init);
  return z256_enabled;
}

// One BN_CTX per thread (main thread and each pool thread), kept for the thread's life. Secure:
// its temporaries hold values derived from nonces and private keys between calls.
static BN_CTX *thread_bn_ctx(void) {
  static _Thread_local BN_CTX *ctx = NULL;
  if (ctx == NULL) ctx = BN_CTX_secure_new();
  return ctx;
}

// Sets up a handle's fast path: the public point (already checked by OpenSSL) and, for a
// private key, d mod n and (1 + d)^-1 mod n. Leaves fast = 0 where any step fails (e.g. d = n - 1).
static void fast_setup(key_handle *k, const uint8_t *d, const uint8_t pub[65]) {
  if (!fast_enabled() || !sm2z_point_decode(&k->q, pub)) return;
  if (d == NULL) {
    k->fast = 1;
    return;
  }
  BN_CTX *ctx = thread_bn_ctx();
  BIGNUM *dp1 = BN_secure_new();
  k->d = BN_secure_new();
  k->d1_inv = BN_secure_new();
  int ok = ctx != NULL && dp1 != NULL && k->d != NULL && k->d1_inv != NULL;
  if (ok) {
    BN_set_flags(k->d, BN_FLG_CONSTTIME);
    BN_set_flags(dp1, BN_FLG_CONSTTIME);
    ok = BN_bin2bn(d, 32, k->d) != NULL && BN_nnmod(k->d, k->d, sm2_order, ctx) == 1 &&
         BN_copy(dp1, k->d) != NULL && BN_add_word(dp1, 1) == 1 && BN_nnmod(dp1, dp1, sm2_order, ctx) == 1 &&
         !BN_is_zero(dp1) && BN_mod_inverse(k->d1_inv, dp1, sm2_order, ctx) != NULL;
  }
  BN_clear_free(dp1);
  if (ok) {
    k->fast = 1;
  } else {
    BN_clear_free(k->d);
    BN_clear_free(k->d1_inv);
    k->d = k->d1_inv = NULL;
    ERR_clear_error();
  }
}

// SM2 signature of digest e (GB/T 32918.2 6.1, as in OpenSSL's sm2_sig_gen): k uniform in
// [1, n-1] from OpenSSL's private DRBG, (x1, y1) = k·G, r = (e + x1) mod n, retry if r = 0 or
// r + k = n, s = (1 + d)^-1·(k - r·d) mod n, retry if s = 0. DER SEQUENCE{r, s} into sig.
static int z256_sign(const key_handle *key, const uint8_t e[32], uint8_t sig[MAX_SIG], size_t *siglen) {
  BN_CTX *ctx = thread_bn_ctx();
  if (ctx == NULL) return 0;
  BN_CTX_start(ctx);
  BIGNUM *eb = BN_CTX_get(ctx), *x1 = BN_CTX_get(ctx), *tmp = BN_CTX_get(ctx), *rk = BN_CTX_get(ctx);
  BIGNUM *k = BN_secure_new(), *r = BN_new(), *s = BN_new();
  ECDSA_SIG *es = NULL;
  uint8_t kb[32], x1b[32];
  int ok = rk != NULL && k != NULL && r != NULL && s != NULL && BN_bin2bn(e, 32, eb) != NULL;
  if (ok) BN_set_flags(k, BN_FLG_CONSTTIME);
  while (ok) {
    ok = BN_priv_rand_range(k, sm2_order) == 1;
    if (!ok || BN_is_zero(k)) continue;
    ok = BN_bn2binpad(k, kb, 32) == 32 && sm2z_mul_base(kb, x1b, NULL) && BN_bin2bn(x1b, 32, x1) != NULL &&
         BN_mod_add(r, eb, x1, sm2_order, ctx) == 1;
    if (!ok || BN_is_zero(r)) continue;
    ok = BN_add(rk, r, k) == 1;
    if (!ok || BN_cmp(rk, sm2_order) == 0) continue;
    ok = BN_mod_mul(tmp, key->d, r, sm2_order, ctx) == 1 && BN_mod_sub(tmp, k, tmp, sm2_order, ctx) == 1 &&
         BN_mod_mul(s, key->d1_inv, tmp, sm2_order, ctx) == 1;
    if (!ok || BN_is_zero(s)) continue;
    break;
  }
  if (ok) {
    es = ECDSA_SIG_new();
    ok = es != NULL && ECDSA_SIG_set0(es, r, s) == 1;
    if (ok) r = s = NULL; // owned by es now
  }
  if (ok) {
    int len = i2d_ECDSA_SIG(es, NULL);
    unsigned char *out = sig;
    ok = len > 0 && len <= MAX_SIG && i2d_ECDSA_SIG(es, &out) == len;
    if (ok) *siglen = (size_t)len;
  }
  ECDSA_SIG_free(es);
  BN_free(r);
  BN_free(s);
  BN_clear_free(k);
  BN_clear(tmp);
  BN_clear(rk); // r + k: with r public, it is the nonce
  BN_CTX_end(ctx);
  OPENSSL_cleanse(kb, sizeof kb);
  if (!ok) ERR_clear_error();
  return ok;
}

// SM2 verification (GB/T 32918.2 7.1, as in OpenSSL's ossl_sm2_internal_verify and
// sm2_sig_verify): the signature must be DER that re-encodes to the same bytes, r and s in
// [1, n-1], t = (r + s) mod n != 0, (x1, y1) = s·G + t·P not infinity, and (e + x1) mod n = r.
static int z256_verify(const key_handle *key, const uint8_t e[32], const uint8_t *sig, size_t siglen) {
  if (siglen == 0 || siglen > MAX_SIG) return 0;
  BN_CTX *ctx = thread_bn_ctx();
  if (ctx == NULL) return 0;
  const unsigned char *in = sig;
  ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &in, (long)siglen);
  unsigned char *der = NULL;
  int derlen = es == NULL ? -1 : i2d_ECDSA_SIG(es, &der);
  int ok = derlen > 0 && (size_t)derlen == siglen && memcmp(der, sig, siglen) == 0;
  OPENSSL_free(der);
  BN_CTX_start(ctx);
  BIGNUM *t = BN_CTX_get(ctx), *eb = BN_CTX_get(ctx), *x1 = BN_CTX_get(ctx);
  const BIGNUM *r = NULL, *s = NULL;
  if (ok) {
    ECDSA_SIG_get0(es, &r, &s);
    ok = x1 != NULL && BN_cmp(r, BN_value_one()) >= 0 && BN_cmp(s, BN_value_one()) >= 0 &&
         BN_cmp(sm2_order, r) > 0 && BN_cmp(sm2_order, s) > 0 && BN_mod_add(t, r, s, sm2_order, ctx) == 1 &&
         !BN_is_zero(t);
  }
  uint8_t u1[32], u2[32], x1b[32];
  ok = ok && BN_bn2binpad(s, u1, 32) == 32 && BN_bn2binpad(t, u2, 32) == 32 &&
       sm2z_mul_double_vartime(u1, u2, &key->q, x1b, NULL) && BN_bin2bn(e, 32, eb) != NULL &&
       BN_bin2bn(x1b, 32, x1) != NULL && BN_mod_add(t, eb, x1, sm2_order, ctx) == 1 && BN_cmp(t, r) == 0;
  BN_CTX_end(ctx);
  ECDSA_SIG_free(es);
  ERR_clear_error();
  return ok;
}

static napi_value wrap_key(napi_env env, EVP_PKEY *pkey, int is_private, const uint8_t *d, const uint8_t pub[65]) {
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
  int ok = ctx != NULL && (is_private ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) > 0;
  if (!ok) {
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return throw_err(env, "cannot initialise SM2 context");
  }
  key_handle *k = calloc(1, sizeof(key_handle));
  if (k == NULL || uv_mutex_init(&k->lock) != 0) {
    free(k);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return throw_err(env, "out of memory");
  }
  k->pkey = pkey;
  k->ctx = ctx;
  k->is_private = is_private;
  fast_setup(k, is_private ? d : NULL, pub);
  napi_value ext;
  if (napi_create_external(env, k, key_finalize, NULL, &ext) != napi_ok) {
    key_finalize(env, k, NULL);
    return throw_err(env, "cannot wrap key");
  }
  return ext;
}

// privateKey(d: Uint8Array(32), point: Uint8Array(65)) -> External
static napi_value private_key(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *d, *pub;
  size_t dlen, publen;
  if (argc < 2 || !get_bytes(env, argv[0], &d, &dlen) || !get_bytes(env, argv[1], &pub, &publen) ||
      dlen != 32 || publen != 65) {
    return throw_err(env, "privateKey expects a 32-byte scalar and a 65-byte point");
  }
  EVP_PKEY *pkey = build_pkey(d, dlen, pub, publen);
  if (pkey == NULL) return throw_err(env, "invalid SM2 private key");
  return wrap_key(env, pkey, 1, d, pub);
}

// publicKey(point: Uint8Array(65)) -> External
static napi_value public_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *pub;
  size_t publen;
  if (argc < 1 || !get_bytes(env, argv[0], &pub, &publen) || publen != 65) {
    return throw_err(env, "publicKey expects a 65-byte uncompressed point");
  }
  EVP_PKEY *pkey = build_pkey(NULL, 0, pub, publen);
  if (pkey == NULL) return throw_err(env, "invalid SM2 public key");
  return wrap_key(env, pkey, 0, NULL, pub);
}

static key_handle *get_key(napi_env env, napi_value v, int want_private) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  key_handle *k;
  if (napi_get_value_external(env, v, (void **)&k) != napi_ok || k == NULL) return NULL;
  if (want_private && !k->is_private) return NULL;
  return k;
}

static napi_value make_buffer(napi_env env, const uint8_t *data, size_t len) {
  napi_value buf;
  void *out;
  CHECK(napi_create_buffer_copy(env, len, data, &out, &buf));
  return buf;
}

// signDigest(key, e: Uint8Array(32)) -> Buffer (DER SEQUENCE{r,s})
static napi_value sign_digest(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  key_handle *k = argc >= 1 ? get_key(env, argv[0], 1) : NULL;
  uint8_t *e;
  size_t elen;
  if (k == NULL || argc < 2 || !get_bytes(env, argv[1], &e, &elen) || elen != 32) {
    return throw_err(env, "signDigest expects a private key handle and a 32-byte digest");
  }
  uint8_t sig[MAX_SIG];
  size_t siglen = sizeof sig;
  int ok = k->fast ? z256_sign(k, e, sig, &siglen) : EVP_PKEY_sign(k->ctx, sig, &siglen, e, elen) > 0;
  if (!ok) return throw_err(env, "SM2 signing failed");
  return make_buffer(env, sig, siglen);
}

// verifyDigest(key, e: Uint8Array(32), sig: Uint8Array) -> boolean
static napi_value verify_digest(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  key_handle *k = argc >= 1 ? get_key(env, argv[0], 0) : NULL;
  uint8_t *e, *sig;
  size_t elen, siglen;
  if (k == NULL || k->is_private || argc < 3 || !get_bytes(env, argv[1], &e, &elen) || elen != 32 ||
      !get_bytes(env, argv[2], &sig, &siglen)) {
    return throw_err(env, "verifyDigest expects a public key handle, a 32-byte digest and a signature");
  }
  // 1 = valid; 0 = invalid; <0 = malformed DER etc. Everything but 1 is "no".
  int rc = k->fast                            ? z256_verify(k, e, sig, siglen)
           : siglen > 0 && siglen <= MAX_SIG ? EVP_PKEY_verify(k->ctx, sig, siglen, e, elen)
                                             : 0;
  if (rc != 1) ERR_clear_error();
  napi_value result;
  CHECK(napi_get_boolean(env, rc == 1, &result));
  return result;
}

// --- ECDH on the SM2 curve ---
// Node's ECDH.computeSecret costs ~2.5x a signature on this curve (it goes through the
// provider's key-exchange with per-call key set-up); EC_POINT_mul with a secret scalar takes
// OpenSSL's constant-time ladder directly, like signing does.

// x-coordinate of d·peer by sm2_z256 (constant time in d); 0 for a point off the curve or
// d ≡ 0 (mod n), which OpenSSL's path rejects too (d = 0 up front, d = n as infinity).
static int z256_ecdh_x(const uint8_t d[32], const uint8_t peer[65], uint8_t out[32]) {
  sm2z_affine p;
  return sm2z_point_decode(&p, peer) && sm2z_mul_point(d, &p, out, NULL);
}

static EC_GROUP *sm2_group(void) {
  static EC_GROUP *group = NULL; // main thread only, created once, never freed
  if (group == NULL) group = EC_GROUP_new_by_curve_name(NID_sm2);
  return group;
}

// ecdh(d: Uint8Array(32), peer: Uint8Array(65)) -> Buffer(32): the x-coordinate of d·peer.
static napi_value ecdh(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *d, *peer;
  size_t dlen, peerlen;
  if (argc < 2 || !get_bytes(env, argv[0], &d, &dlen) || !get_bytes(env, argv[1], &peer, &peerlen) || dlen != 32 ||
      peerlen != 65) {
    return throw_err(env, "ecdh expects a 32-byte scalar and a 65-byte point");
  }
  if (fast_enabled()) {
    uint8_t x[32];
    if (!z256_ecdh_x(d, peer, x)) return throw_err(env, "ECDH failed: peer point rejected");
    napi_value result = make_buffer(env, x, 32);
    OPENSSL_cleanse(x, sizeof x);
    return result;
  }
  EC_GROUP *g = sm2_group();
  if (g == NULL) return throw_err(env, "SM2 curve unavailable");
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *k = BN_secure_new();
  BIGNUM *x = BN_new();
  EC_POINT *p = EC_POINT_new(g);
  EC_POINT *r = EC_POINT_new(g);
  uint8_t out[32];
  int ok = ctx != NULL && k != NULL && x != NULL && p != NULL && r != NULL;
  if (ok) {
    BN_set_flags(k, BN_FLG_CONSTTIME);
    // oct2point refuses points off the curve; the cofactor is 1, so there is no small subgroup.
    ok = BN_bin2bn(d, 32, k) != NULL && !BN_is_zero(k) && EC_POINT_oct2point(g, p, peer, peerlen, ctx) == 1 &&
         EC_POINT_mul(g, r, NULL, p, k, ctx) == 1 && !EC_POINT_is_at_infinity(g, r) &&
         EC_POINT_get_affine_coordinates(g, r, x, NULL, ctx) == 1 && BN_bn2binpad(x, out, 32) == 32;
  }
  EC_POINT_free(r);
  EC_POINT_free(p);
  BN_free(x);
  BN_clear_free(k);
  BN_CTX_free(ctx);
  if (!ok) return throw_err(env, "ECDH failed: peer point rejected");
  napi_value result = make_buffer(env, out, 32);
  OPENSSL_cleanse(out, sizeof out);
  return result;
}

// --- HMAC-SM3 over a digest, for the per-call MACs ---
// A call's MAC is HMAC-SM3(key, label ‖ method ‖ … ‖ SM3(message)). Through node:crypto that is
// two hash objects and a handful of update() calls per MAC, about 5 µs, most of it object set-up;
// here it is one N-API call on a reused digest context. The context is per N-API environment
// (instance data), so worker threads that load the addon each get their own.

#define SM3_BLOCK 64
#define SM3_LEN 32
#define MAC_MAX_ARGS 8

typedef struct {
  EVP_MD *md;
  EVP_MD_CTX *ctx;
} digest_state;

static void digest_state_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  digest_state *st = data;
  EVP_MD_CTX_free(st->ctx);
  EVP_MD_free(st->md);
  free(st);
}

static int sm3_of(digest_state *st, const uint8_t *data, size_t len, uint8_t out[SM3_LEN]) {
  unsigned int n = 0;
  return EVP_DigestInit_ex2(st->ctx, st->md, NULL) == 1 && EVP_DigestUpdate(st->ctx, data, len) == 1 &&
         EVP_DigestFinal_ex(st->ctx, out, &n) == 1 && n == SM3_LEN;
}

// hmacSm3OverDigest(key, part1, ..., partN, message) -> Buffer(32):
// HMAC-SM3(key, part1 ‖ ... ‖ partN ‖ SM3(message)), 0 <= N <= 6.
static napi_value hmac_sm3_over_digest(napi_env env, napi_callback_info info) {
  size_t argc = MAC_MAX_ARGS;
  napi_value argv[MAC_MAX_ARGS];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || argc > MAC_MAX_ARGS) return throw_err(env, "hmacSm3OverDigest expects a key, parts and a message");
  uint8_t *data[MAC_MAX_ARGS];
  size_t len[MAC_MAX_ARGS];
  for (size_t i = 0; i < argc; i++) {
    if (!get_bytes(env, argv[i], &data[i], &len[i])) return throw_err(env, "hmacSm3OverDigest expects Uint8Arrays");
  }
  digest_state *st = NULL;
  CHECK(napi_get_instance_data(env, (void **)&st));
  if (st == NULL || st->md == NULL || st->ctx == NULL) return throw_err(env, "SM3 unavailable");
  EVP_MD_CTX *ctx = st->ctx;

  uint8_t k[SM3_BLOCK] = {0}, pad[SM3_BLOCK], digest[SM3_LEN], inner[SM3_LEN], out[SM3_LEN];
  unsigned int n = 0;
  int ok = 1;
  if (len[0] > SM3_BLOCK) ok = sm3_of(st, data[0], len[0], k); // RFC 2104: a long key is hashed first
  else memcpy(k, data[0], len[0]);
  ok = ok && sm3_of(st, data[argc - 1], len[argc - 1], digest);
  for (size_t i = 0; i < SM3_BLOCK; i++) pad[i] = k[i] ^ 0x36;
  ok = ok && EVP_DigestInit_ex2(ctx, st->md, NULL) == 1 && EVP_DigestUpdate(ctx, pad, SM3_BLOCK) == 1;
  for (size_t i = 1; ok && i + 1 < argc; i++) ok = EVP_DigestUpdate(ctx, data[i], len[i]) == 1;
  ok = ok && EVP_DigestUpdate(ctx, digest, SM3_LEN) == 1 && EVP_DigestFinal_ex(ctx, inner, &n) == 1;
  for (size_t i = 0; i < SM3_BLOCK; i++) pad[i] = k[i] ^ 0x5c;
  ok = ok && EVP_DigestInit_ex2(ctx, st->md, NULL) == 1 && EVP_DigestUpdate(ctx, pad, SM3_BLOCK) == 1 &&
       EVP_DigestUpdate(ctx, inner, SM3_LEN) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1;
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(inner, sizeof inner);
  if (!ok) return throw_err(env, "HMAC-SM3 failed");
  return make_buffer(env, out, SM3_LEN);
}

// --- async variants: run on libuv's thread pool, each with its own context ---

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref key_ref; // keeps the key handle alive while the job runs
  key_handle *key;
  int is_sign;
  uint8_t e[32];
  uint8_t sig[MAX_SIG];
  size_t siglen;
  int rc;
} job;

// A context initialised for the key's operation: an idle one if there is one, else a new one.
static EVP_PKEY_CTX *take_ctx(key_handle *k, int is_sign) {
  EVP_PKEY_CTX *ctx = NULL;
  uv_mutex_lock(&k->lock);
  if (k->n_idle > 0) ctx = k->idle[--k->n_idle];
  uv_mutex_unlock(&k->lock);
  if (ctx != NULL) return ctx;
  ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
  if (ctx != NULL && (is_sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) <= 0) {
    EVP_PKEY_CTX_free(ctx);
    ctx = NULL;
  }
  return ctx;
}

// Keeps a context for the next job (the operation leaves it initialised), up to POOLED_CTX.
static void give_ctx(key_handle *k, EVP_PKEY_CTX *ctx) {
  uv_mutex_lock(&k->lock);
  if (k->n_idle < POOLED_CTX) {
    k->idle[k->n_idle++] = ctx;
    ctx = NULL;
  }
  uv_mutex_unlock(&k->lock);
  EVP_PKEY_CTX_free(ctx);
}

static void job_execute(napi_env env, void *data) {
  (void)env;
  job *j = data;
  if (j->key->fast) {
    j->siglen = j->is_sign ? sizeof j->sig : j->siglen;
    j->rc = j->is_sign ? z256_sign(j->key, j->e, j->sig, &j->siglen) : z256_verify(j->key, j->e, j->sig, j->siglen);
    return;
  }
  EVP_PKEY_CTX *ctx = take_ctx(j->key, j->is_sign);
  j->rc = 0;
  if (ctx != NULL) {
    if (j->is_sign) {
      j->siglen = sizeof j->sig;
      j->rc = EVP_PKEY_sign(ctx, j->sig, &j->siglen, j->e, 32) > 0;
    } else {
      j->rc = EVP_PKEY_verify(ctx, j->sig, j->siglen, j->e, 32) == 1;
    }
    give_ctx(j->key, ctx);
  }
  if (!j->rc) ERR_clear_error();
}

static void job_complete(napi_env env, napi_status status, void *data) {
  job *j = data;
  napi_value value = NULL;
  int failed = status != napi_ok;
  if (!failed && j->is_sign) {
    if (j->rc) {
      void *out;
      failed = napi_create_buffer_copy(env, j->siglen, j->sig, &out, &value) != napi_ok;
    } else {
      failed = 1;
    }
  } else if (!failed) {
    failed = napi_get_boolean(env, j->rc == 1, &value) != napi_ok;
  }
  if (failed) {
    napi_value msg, code;
    napi_create_string_utf8(env, "SM2 operation failed", NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, "ERR_HUTONG_NATIVE", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &value);
    napi_reject_deferred(env, j->deferred, value);
  } else {
    napi_resolve_deferred(env, j->deferred, value);
  }
  napi_delete_reference(env, j->key_ref);
  napi_delete_async_work(env, j->work);
  free(j);
}

static napi_value start_job(napi_env env, napi_callback_info info, int is_sign) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  key_handle *k = argc >= 1 ? get_key(env, argv[0], is_sign) : NULL;
  uint8_t *e, *sig = NULL;
  size_t elen, siglen = 0;
  if (k == NULL || (!is_sign && k->is_private) || argc < 2 || !get_bytes(env, argv[1], &e, &elen) ||
      elen != 32 || (!is_sign && (argc < 3 || !get_bytes(env, argv[2], &sig, &siglen)))) {
    return throw_err(env, "invalid arguments to an async SM2 operation");
  }
  job *j = calloc(1, sizeof(job));
  if (j == NULL) return throw_err(env, "out of memory");
  j->key = k;
  j->is_sign = is_sign;
  memcpy(j->e, e, 32);
  if (!is_sign) {
    if (siglen == 0 || siglen > MAX_SIG) siglen = 0; // verify of an impossible length fails below
    memcpy(j->sig, sig, siglen);
    j->siglen = siglen;
  }
  napi_value promise, name;
  CHECK(napi_create_promise(env, &j->deferred, &promise));
  CHECK(napi_create_reference(env, argv[0], 1, &j->key_ref));
  CHECK(napi_create_string_utf8(env, is_sign ? "hutong:sm2sign" : "hutong:sm2verify", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, job_execute, job_complete, j, &j->work));
  CHECK(napi_queue_async_work(env, j->work));
  return promise;
}

static napi_value sign_digest_async(napi_env env, napi_callback_info info) { return start_job(env, info, 1); }
static napi_value verify_digest_async(napi_env env, napi_callback_info info) { return start_job(env, info, 0); }

// --- ephemeral keys and ECDH on the thread pool ---
// A handshake generates one ephemeral key and does one ECDH per side: each a scalar
// multiplication, about as costly as a signature. On the thread pool the key can be made before
// the hello arrives (a small pool refilled in the background, certs/src/crypto/sm2-ecdh.ts) and
// the ECDH runs beside the signature instead of on the event loop. Each pool thread builds its
// own group once (a group is not shared between threads).

static EC_GROUP *thread_group(void) {
  static _Thread_local EC_GROUP *group = NULL; // one per pool thread, kept for the thread's life
  if (group == NULL) group = EC_GROUP_new_by_curve_name(NID_sm2);
  return group;
}

// x-coordinate of d·peer on `g`; 0 on any failure (a point off the curve, d = 0).
static int ecdh_x(EC_GROUP *g, const uint8_t d[32], const uint8_t peer[65], uint8_t out[32]) {
  if (fast_enabled()) return z256_ecdh_x(d, peer, out);
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *k = BN_secure_new();
  BIGNUM *x = BN_new();
  EC_POINT *p = g == NULL ? NULL : EC_POINT_new(g);
  EC_POINT *r = g == NULL ? NULL : EC_POINT_new(g);
  int ok = ctx != NULL && k != NULL && x != NULL && p != NULL && r != NULL;
  if (ok) {
    BN_set_flags(k, BN_FLG_CONSTTIME);
    // oct2point refuses points off the curve; the cofactor is 1, so there is no small subgroup.
    ok = BN_bin2bn(d, 32, k) != NULL && !BN_is_zero(k) && EC_POINT_oct2point(g, p, peer, 65, ctx) == 1 &&
         EC_POINT_mul(g, r, NULL, p, k, ctx) == 1 && !EC_POINT_is_at_infinity(g, r) &&
         EC_POINT_get_affine_coordinates(g, r, x, NULL, ctx) == 1 && BN_bn2binpad(x, out, 32) == 32;
  }
  EC_POINT_free(r);
  EC_POINT_free(p);
  BN_free(x);
  BN_clear_free(k);
  BN_CTX_free(ctx);
  if (!ok) ERR_clear_error();
  return ok;
}

// The same with Q = d·G by sm2_z256's constant-time fixed-base multiplication.
static int z256_keygen(uint8_t d[32], uint8_t point[65]) {
  BIGNUM *k = BN_secure_new();
  int ok = k != NULL;
  if (ok) {
    do {
      ok = BN_priv_rand_range(k, sm2_order) == 1;
    } while (ok && BN_is_zero(k));
    BN_set_flags(k, BN_FLG_CONSTTIME);
  }
  point[0] = 4;
  ok = ok && BN_bn2binpad(k, d, 32) == 32 && sm2z_mul_base(d, point + 1, point + 33);
  BN_clear_free(k);
  if (!ok) {
    OPENSSL_cleanse(d, 32);
    ERR_clear_error();
  }
  return ok;
}

// A fresh key pair: d uniform in [1, n-1] from OpenSSL's private DRBG, Q = d·G by the
// constant-time ladder (EC_POINT_mul with a scalar and no points).
static int keygen(EC_GROUP *g, uint8_t d[32], uint8_t point[65]) {
  if (fast_enabled()) return z256_keygen(d, point);
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *k = BN_secure_new();
  EC_POINT *q = g == NULL ? NULL : EC_POINT_new(g);
  const BIGNUM *order = g == NULL ? NULL : EC_GROUP_get0_order(g);
  int ok = ctx != NULL && k != NULL && q != NULL && order != NULL;
  if (ok) {
    do {
      ok = BN_priv_rand_range(k, order) == 1;
    } while (ok && BN_is_zero(k));
    BN_set_flags(k, BN_FLG_CONSTTIME);
    ok = ok && EC_POINT_mul(g, q, k, NULL, NULL, ctx) == 1 && BN_bn2binpad(k, d, 32) == 32 &&
         EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, point, 65, ctx) == 65;
  }
  EC_POINT_free(q);
  BN_clear_free(k);
  BN_CTX_free(ctx);
  if (!ok) {
    OPENSSL_cleanse(d, 32);
    ERR_clear_error();
  }
  return ok;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int is_keygen;
  uint8_t d[32];
  uint8_t point[65];
  uint8_t x[32];
  int ok;
} ec_job;

static void ec_job_execute(napi_env env, void *data) {
  (void)env;
  ec_job *j = data;
  EC_GROUP *g = thread_group();
  j->ok = j->is_keygen ? keygen(g, j->d, j->point) : ecdh_x(g, j->d, j->point, j->x);
}

static void ec_job_complete(napi_env env, napi_status status, void *data) {
  ec_job *j = data;
  napi_value value = NULL;
  int failed = status != napi_ok || !j->ok;
  if (!failed && j->is_keygen) {
    napi_value d, point;
    void *out;
    failed = napi_create_array_with_length(env, 2, &value) != napi_ok ||
             napi_create_buffer_copy(env, 32, j->d, &out, &d) != napi_ok ||
             napi_create_buffer_copy(env, 65, j->point, &out, &point) != napi_ok ||
             napi_set_element(env, value, 0, d) != napi_ok || napi_set_element(env, value, 1, point) != napi_ok;
  } else if (!failed) {
    void *out;
    failed = napi_create_buffer_copy(env, 32, j->x, &out, &value) != napi_ok;
  }
  if (failed) {
    napi_value msg, code;
    napi_create_string_utf8(env, j->is_keygen ? "SM2 key generation failed" : "ECDH failed: peer point rejected",
                            NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, "ERR_HUTONG_NATIVE", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &value);
    napi_reject_deferred(env, j->deferred, value);
  } else {
    napi_resolve_deferred(env, j->deferred, value);
  }
  napi_delete_async_work(env, j->work);
  OPENSSL_cleanse(j, sizeof *j);
  free(j);
}

static napi_value queue_ec_job(napi_env env, ec_job *j, const char *what) {
  napi_value promise, name;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, what, NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, ec_job_execute, ec_job_complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    free(j);
    return throw_err(env, "cannot queue an SM2 job");
  }
  return promise;
}

// generateEphemeralAsync() -> Promise<[d: Buffer(32), point: Buffer(65)]>
static napi_value generate_ephemeral_async(napi_env env, napi_callback_info info) {
  (void)info;
  ec_job *j = calloc(1, sizeof(ec_job));
  if (j == NULL) return throw_err(env, "out of memory");
  j->is_keygen = 1;
  return queue_ec_job(env, j, "hutong:sm2keygen");
}

// ecdhAsync(d: Uint8Array(32), peer: Uint8Array(65)) -> Promise<Buffer(32)>
static napi_value ecdh_async(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *d, *peer;
  size_t dlen, peerlen;
  if (argc < 2 || !get_bytes(env, argv[0], &d, &dlen) || !get_bytes(env, argv[1], &peer, &peerlen) || dlen != 32 ||
      peerlen != 65) {
    return throw_err(env, "ecdhAsync expects a 32-byte scalar and a 65-byte point");
  }
  ec_job *j = calloc(1, sizeof(ec_job));
  if (j == NULL) return throw_err(env, "out of memory");
  memcpy(j->d, d, 32);
  memcpy(j->point, peer, 65);
  return queue_ec_job(env, j, "hutong:sm2ecdh");
}

// --- test-only entry points into sm2_z256.c (certs/src/crypto/sm2-z256.spec.ts) ---
// Each returns x || y (Buffer(64)) of the result, or null for the point at infinity / a rejected
// point. Not part of the backend API.

static napi_value z256_result(napi_env env, int ok, const uint8_t xy[64]) {
  napi_value v;
  if (!ok) {
    CHECK(napi_get_null(env, &v));
    return v;
  }
  return make_buffer(env, xy, 64);
}

// z256MulBase(k: Uint8Array(32)) -> Buffer(64) | null
static napi_value z256_mul_base(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *k;
  size_t klen;
  if (argc < 1 || !get_bytes(env, argv[0], &k, &klen) || klen != 32) return throw_err(env, "z256MulBase: bad args");
  uint8_t xy[64];
  int ok = sm2z_mul_base(k, xy, xy + 32);
  return z256_result(env, ok, xy);
}

// z256MulPoint(k: Uint8Array(32), point: Uint8Array(65)) -> Buffer(64) | null
static napi_value z256_mul_point(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *k, *pt;
  size_t klen, ptlen;
  if (argc < 2 || !get_bytes(env, argv[0], &k, &klen) || klen != 32 || !get_bytes(env, argv[1], &pt, &ptlen) ||
      ptlen != 65) {
    return throw_err(env, "z256MulPoint: bad args");
  }
  sm2z_affine p;
  uint8_t xy[64];
  int ok = sm2z_point_decode(&p, pt) && sm2z_mul_point(k, &p, xy, xy + 32);
  return z256_result(env, ok, xy);
}

// z256MulDouble(u1: Uint8Array(32), u2: Uint8Array(32), point: Uint8Array(65)) -> Buffer(64) | null
static napi_value z256_mul_double(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *u1, *u2, *pt;
  size_t l1, l2, ptlen;
  if (argc < 3 || !get_bytes(env, argv[0], &u1, &l1) || l1 != 32 || !get_bytes(env, argv[1], &u2, &l2) || l2 != 32 ||
      !get_bytes(env, argv[2], &pt, &ptlen) || ptlen != 65) {
    return throw_err(env, "z256MulDouble: bad args");
  }
  sm2z_affine p;
  uint8_t xy[64];
  int ok = sm2z_point_decode(&p, pt) && sm2z_mul_double_vartime(u1, u2, &p, xy, xy + 32);
  return z256_result(env, ok, xy);
}

static napi_value init(napi_env env, napi_value exports) {
  fast_enabled(); // the fixed-base table and n, once per process, before any thread-pool job needs them
  digest_state *st = calloc(1, sizeof *st);
  if (st == NULL) return throw_err(env, "out of memory");
  st->md = EVP_MD_fetch(NULL, "SM3", NULL);
  st->ctx = EVP_MD_CTX_new();
  if (napi_set_instance_data(env, st, digest_state_finalize, NULL) != napi_ok) {
    digest_state_finalize(env, st, NULL);
    return throw_err(env, "N-API call failed");
  }
  napi_property_descriptor props[] = {
      {"privateKey", NULL, private_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"publicKey", NULL, public_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"signDigest", NULL, sign_digest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verifyDigest", NULL, verify_digest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"signDigestAsync", NULL, sign_digest_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verifyDigestAsync", NULL, verify_digest_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ecdh", NULL, ecdh, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ecdhAsync", NULL, ecdh_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"generateEphemeralAsync", NULL, generate_ephemeral_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hmacSm3OverDigest", NULL, hmac_sm3_over_digest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"z256MulBase", NULL, z256_mul_base, NULL, NULL, NULL, napi_enumerable, NULL},
      {"z256MulPoint", NULL, z256_mul_point, NULL, NULL, NULL, napi_enumerable, NULL},
      {"z256MulDouble", NULL, z256_mul_double, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
