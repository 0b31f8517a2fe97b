// The tax channel's request signature is the partner kit's (@hutong/partner-http): HMAC-SM3 under
// the app secret over the method, the path, the timestamp, the nonce and the body's SM3.

export { signatureMatches, signedText, signRequest } from "@hutong/partner-http";
