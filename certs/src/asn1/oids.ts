/** Object identifiers used by the SM2 PKI profile, as dotted strings (node-forge's form). */
export const oids = {
  ecPublicKey: "1.2.840.10045.2.1",
  sm2: "1.2.156.10197.1.301",
  sm3: "1.2.156.10197.1.401",
  sm2WithSm3: "1.2.156.10197.1.501",
  sm4Cbc: "1.2.156.10197.1.104.2",
  // X.509 extensions
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  cRLNumber: "2.5.29.20",
  cRLReason: "2.5.29.21",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  extensionRequest: "1.2.840.113549.1.9.14",
  // extended key usages
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  // name attributes
  commonName: "2.5.4.3",
  countryName: "2.5.4.6",
  localityName: "2.5.4.7",
  stateOrProvinceName: "2.5.4.8",
  organizationName: "2.5.4.10",
  organizationalUnitName: "2.5.4.11",
  serialNumber: "2.5.4.5",
} as const;
