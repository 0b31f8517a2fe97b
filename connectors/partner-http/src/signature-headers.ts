// The four headers a signed request carries. Each channel names them its own way (the tax
// channel's x-tax-*, the rail and air partners' x-partner-*); the values are the same: the app key,
// the timestamp in ms since the epoch, a nonce, and the signature (request-signature.ts). Names in
// lowercase, as node:http gives them.

export interface SignatureHeaders {
  readonly appKey: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
}
