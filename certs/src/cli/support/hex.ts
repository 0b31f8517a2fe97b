export function toHexColons(b: Uint8Array): string {
  return Buffer.from(b)
    .toString("hex")
    .replace(/(..)(?=.)/g, "$1:");
}
