import { CertsError } from "../error.js";

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** RFC 7468 PEM with 64-column base64 lines. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

const blockPattern = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. Text outside blocks (OpenSSL's "Bag Attributes", say) is ignored. */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  // Both groups take part in every match; the defaults only satisfy the index types.
  for (const [, label = "", rawBody = ""] of text.matchAll(blockPattern)) {
    // Headers such as Proc-Type (legacy encrypted PEM) are not supported on purpose.
    const body = rawBody.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      throw new CertsError("malformed", `PEM block "${label}": bad base64`);
    }
    blocks.push({ label, der: new Uint8Array(Buffer.from(body, "base64")) });
  }
  return blocks;
}

/** The single PEM block with one of `labels`; throws if there is none or several. */
export function decodePem(text: string, labels: readonly string[]): PemBlock {
  const blocks = decodePemBlocks(text).filter((b) => labels.includes(b.label));
  const [first] = blocks;
  if (first === undefined) throw new CertsError("malformed", `no PEM block labelled ${labels.join(" or ")}`);
  if (blocks.length > 1) throw new CertsError("malformed", `more than one PEM block labelled ${labels.join(" or ")}`);
  return first;
}

/** The DER of every block labelled with one of `labels`, in order; throws if there is none. */
export function decodePemDers(text: string, labels: readonly string[]): Uint8Array[] {
  const ders = decodePemBlocks(text)
    .filter((b) => labels.includes(b.label))
    .map((b) => b.der);
  if (ders.length === 0) throw new CertsError("malformed", `no PEM block labelled ${labels.join(" or ")}`);
  return ders;
}
