import { createPrivateKey } from "node:crypto";
import {
  type Asn1,
  bitString,
  encodeDer,
  explicit,
  integer,
  isContext,
  octets,
  oid,
  parseDer,
  readBitStringBytes,
  readExplicit,
  readOctets,
  readOid,
  readSeq,
  readSmallInteger,
  seq,
} from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { decodePemBlocks, encodePem } from "../asn1/pem.js";
import { CertsError } from "../error.js";
import {
  createSm2PrivateKey,
  createSm2PublicKey,
  exportSm2PrivateScalar,
  type Sm2PrivateKey,
  type Sm2PublicKey,
} from "./sm2-key.js";

/**
 * Key encodings for SM2: SubjectPublicKeyInfo (RFC 5480), PKCS#8 (RFC 5208,
 * optionally encrypted with PBES2), SEC1 ECPrivateKey (RFC 5915), raw scalar
 * and point, and their PEM forms. The algorithm is id-ecPublicKey with the
 * sm2p256v1 curve OID as parameters, which is what OpenSSL and GmSSL write.
 */

function algorithmIdentifier(): Asn1 {
  return seq(oid(oids.ecPublicKey), oid(oids.sm2));
}

function checkAlgorithm(node: Asn1 | undefined, what: string): void {
  const [alg, params] = readSeq(node, `${what} algorithm`, 1, 2);
  const algOid = readOid(alg, `${what} algorithm`);
  // Some SM2 producers put the SM2 OID itself in the algorithm field.
  if (algOid === oids.sm2) return;
  if (algOid !== oids.ecPublicKey) throw new CertsError("invalid-key", `${what}: not an EC key (${algOid})`);
  const curve = params === undefined ? undefined : readOid(params, `${what} curve`);
  if (curve !== oids.sm2) throw new CertsError("invalid-key", `${what}: EC key on a curve other than sm2p256v1`);
}

export function encodeSm2Spki(key: Sm2PublicKey): Uint8Array {
  return encodeDer(spkiNode(key));
}

/** The SubjectPublicKeyInfo as an ASN.1 node (for certificates and CSRs). */
export function spkiNode(key: Sm2PublicKey): Asn1 {
  return seq(algorithmIdentifier(), bitString(key.point));
}

export function decodeSm2SpkiNode(node: Asn1): Sm2PublicKey {
  const [alg, bits] = readSeq(node, "SubjectPublicKeyInfo", 2, 2);
  checkAlgorithm(alg, "SubjectPublicKeyInfo");
  return createSm2PublicKey(readBitStringBytes(bits, "subjectPublicKey"));
}

export function decodeSm2Spki(der: Uint8Array): Sm2PublicKey {
  return decodeSm2SpkiNode(parseDer(der, "SubjectPublicKeyInfo"));
}

function ecPrivateKeyNode(key: Sm2PrivateKey, withParams: boolean): Asn1 {
  const items = [integer(1), octets(exportSm2PrivateScalar(key))];
  if (withParams) items.push(explicit(0, oid(oids.sm2)));
  items.push(explicit(1, bitString(key.publicKey.point)));
  return seq(...items);
}

/** SEC1 / RFC 5915 ECPrivateKey ("EC PRIVATE KEY"), with the curve OID and the public key. */
export function encodeSm2Sec1(key: Sm2PrivateKey): Uint8Array {
  return encodeDer(ecPrivateKeyNode(key, true));
}

function decodeEcPrivateKeyNode(node: Asn1, what: string): Sm2PrivateKey {
  const items = readSeq(node, what, 2, 4);
  if (readSmallInteger(items[0], `${what} version`) !== 1)
    throw new CertsError("malformed", `${what}: version must be 1`);
  const d = readOctets(items[1], `${what} privateKey`);
  let publicPoint: Uint8Array | undefined;
  for (const item of items.slice(2)) {
    if (isContext(item, 0)) {
      if (readOid(readExplicit(item, 0, `${what} parameters`), `${what} curve`) !== oids.sm2) {
        throw new CertsError("invalid-key", `${what}: EC key on a curve other than sm2p256v1`);
      }
    } else if (isContext(item, 1)) {
      publicPoint = readBitStringBytes(readExplicit(item, 1, `${what} publicKey`), `${what} publicKey`);
    } else {
      throw new CertsError("malformed", `${what}: unexpected field`);
    }
  }
  // Scalars shorter than 32 bytes occur in the wild (leading zeros dropped).
  if (d.length > 32) throw new CertsError("invalid-key", `${what}: private scalar longer than 32 bytes`);
  const padded = new Uint8Array(32);
  padded.set(d, 32 - d.length);
  const key = createSm2PrivateKey(padded);
  if (publicPoint !== undefined) {
    const given = createSm2PublicKey(publicPoint);
    if (!Buffer.from(given.point).equals(Buffer.from(key.publicKey.point))) {
      throw new CertsError("invalid-key", `${what}: public key does not match the private scalar`);
    }
  }
  return key;
}

export function decodeSm2Sec1(der: Uint8Array): Sm2PrivateKey {
  return decodeEcPrivateKeyNode(parseDer(der, "ECPrivateKey"), "ECPrivateKey");
}

/** PKCS#8 PrivateKeyInfo ("PRIVATE KEY"). */
export function encodeSm2Pkcs8(key: Sm2PrivateKey): Uint8Array {
  return encodeDer(seq(integer(0), algorithmIdentifier(), octets(encodeDer(ecPrivateKeyNode(key, false)))));
}

export function decodeSm2Pkcs8(der: Uint8Array): Sm2PrivateKey {
  const items = readSeq(parseDer(der, "PrivateKeyInfo"), "PrivateKeyInfo", 3, 4);
  const version = readSmallInteger(items[0], "PrivateKeyInfo version");
  if (version !== 0 && version !== 1) throw new CertsError("malformed", "PrivateKeyInfo: unknown version");
  checkAlgorithm(items[1], "PrivateKeyInfo");
  const inner = readOctets(items[2], "PrivateKeyInfo privateKey");
  return decodeEcPrivateKeyNode(parseDer(inner, "ECPrivateKey"), "ECPrivateKey");
}

/**
 * PKCS#8 EncryptedPrivateKeyInfo with PBES2 (PBKDF2-HMAC-SHA256, SM4-CBC):
 * OpenSSL's own implementation through node:crypto, so `openssl pkey -passin`
 * reads it and we read what OpenSSL writes.
 */
export function encryptSm2Pkcs8Pem(key: Sm2PrivateKey, passphrase: string): string {
  if (passphrase.length === 0) throw new CertsError("invalid-argument", "empty passphrase");
  const keyObject = createPrivateKey({ key: Buffer.from(encodeSm2Pkcs8(key)), format: "der", type: "pkcs8" });
  return keyObject.export({ format: "pem", type: "pkcs8", cipher: "sm4-cbc", passphrase }) as string;
}

function decryptPkcs8(pem: string, passphrase: string | undefined): Uint8Array {
  if (passphrase === undefined)
    throw new CertsError("bad-passphrase", "private key is encrypted: a passphrase is needed");
  try {
    const keyObject = createPrivateKey({ key: pem, format: "pem", passphrase });
    return new Uint8Array(keyObject.export({ format: "der", type: "pkcs8" }));
  } catch (cause) {
    throw new CertsError("bad-passphrase", "cannot decrypt the private key: wrong passphrase or unsupported cipher", {
      cause,
    });
  }
}

/** Reads a private key from PEM: "PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY" or "ENCRYPTED PRIVATE KEY". */
export function decodeSm2PrivateKeyPem(pem: string, passphrase?: string): Sm2PrivateKey {
  const block = decodePemBlocks(pem).find((b) => /^(ENCRYPTED |EC |SM2 )?PRIVATE KEY$/.test(b.label));
  if (block === undefined) throw new CertsError("malformed", "no private key PEM block");
  switch (block.label) {
    case "PRIVATE KEY":
      return decodeSm2Pkcs8(block.der);
    case "EC PRIVATE KEY":
    case "SM2 PRIVATE KEY": // what `openssl ec` writes for SM2 keys
      return decodeSm2Sec1(block.der);
    default:
      return decodeSm2Pkcs8(decryptPkcs8(encodePem(block.label, block.der), passphrase));
  }
}

/** PKCS#8 PEM, encrypted when a passphrase is given. */
export function encodeSm2PrivateKeyPem(key: Sm2PrivateKey, passphrase?: string): string {
  return passphrase === undefined ? encodePem("PRIVATE KEY", encodeSm2Pkcs8(key)) : encryptSm2Pkcs8Pem(key, passphrase);
}

export function encodeSm2PublicKeyPem(key: Sm2PublicKey): string {
  return encodePem("PUBLIC KEY", encodeSm2Spki(key));
}

export function decodeSm2PublicKeyPem(pem: string): Sm2PublicKey {
  const block = decodePemBlocks(pem).find((b) => b.label === "PUBLIC KEY");
  if (block === undefined) throw new CertsError("malformed", "no PUBLIC KEY PEM block");
  return decodeSm2Spki(block.der);
}
