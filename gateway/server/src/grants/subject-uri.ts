import { subjectDigestLength, subjectUriPrefix } from "@hutong/certs";
import { GrantsError } from "./grants-error.js";

/**
 * How a holder certificate names its subject: a SAN URI holding the subject digest in lowercase
 * hex. The app that enrols a holder (after checking their identity document) issues it; a HOLDER
 * grant verifies only if its signer's certificate names the grant's subject this way.
 */
export { subjectUriPrefix };

const uriPattern = new RegExp(`^${subjectUriPrefix}([0-9a-f]{${subjectDigestLength * 2}})$`);

export function subjectUri(digest: Uint8Array): string {
  if (digest.length !== subjectDigestLength)
    throw new GrantsError("invalid-argument", `a subject digest is ${subjectDigestLength} bytes`);
  return subjectUriPrefix + Buffer.from(digest).toString("hex");
}

/** The digest in a subject URI; undefined for any other URI, including upper-case hex. */
export function subjectDigestFromUri(uri: string): Uint8Array | undefined {
  const hex = uriPattern.exec(uri)?.[1];
  return hex === undefined ? undefined : new Uint8Array(Buffer.from(hex, "hex"));
}
