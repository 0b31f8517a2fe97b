import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createCertificate, createCrl, crlToPem, generateSm2PrivateKey } from "@hutong/certs";
import { readCrlFiles } from "./credential-files.js";
import { createCrlFileSource } from "./crl-file-source.js";

const now = new Date("2026-12-01T00:00:00Z");
const day = 86_400_000;

/** A CA's CRL file revoking `serials`. */
function crlPem(name: string, serials: readonly string[]): string {
  const key = generateSm2PrivateKey();
  const issuer = createCertificate({
    ca: {},
    subject: { commonName: name, organization: "hutong" },
    publicKey: key.publicKey,
    selfSignKey: key,
    notBefore: new Date(now.getTime() - day),
    notAfter: new Date(now.getTime() + 365 * day),
  });
  const crl = createCrl({
    issuer,
    issuerKey: key,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + 7 * day),
    crlNumber: 1n,
    entries: serials.map((serialHex) => ({ serialHex, revocationDate: now })),
  });
  return crlToPem(crl);
}

describe("CRL file source", () => {
  let dir: string;
  let a: string;
  let b: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-crls-"));
    a = join(dir, "a.pem");
    b = join(dir, "b.pem");
    await writeFile(a, crlPem("CA a", ["0a"]));
    await writeFile(b, crlPem("CA b", ["0b"]));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const revokedSerials = (crls: readonly { revoked: ReadonlyMap<string, unknown> }[]) =>
    crls.flatMap((c) => [...c.revoked.keys()]).sort();

  it("takes a reloaded list of files once they all read, and keeps the old list when one does not", async () => {
    const source = createCrlFileSource([a], { initial: await readCrlFiles([a]), refreshMs: 3_600_000 });
    try {
      assert.deepEqual(revokedSerials(source.current()), ["0a"]);
      await assert.rejects(source.refresh([a, join(dir, "missing.pem")]));
      assert.deepEqual(revokedSerials(source.current()), ["0a"], "a list that does not read changes nothing");
      await source.refresh([a, b]);
      assert.deepEqual(revokedSerials(source.current()), ["0a", "0b"]);
      // The new list is the one re-read from now on.
      await writeFile(b, crlPem("CA b", ["0b", "0c"]));
      await source.refresh();
      assert.deepEqual(revokedSerials(source.current()), ["0a", "0b", "0c"]);
    } finally {
      source.close();
    }
  });

  it("starts its schedule when a reload gives it files to read", async () => {
    const source = createCrlFileSource([], { initial: [], refreshMs: 20 });
    try {
      await source.refresh([b]);
      await writeFile(b, crlPem("CA b", ["0d"]));
      const deadline = Date.now() + 2000;
      while (!revokedSerials(source.current()).includes("0d")) {
        if (Date.now() > deadline) assert.fail("the file was not re-read on schedule");
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      source.close();
    }
  });
});
