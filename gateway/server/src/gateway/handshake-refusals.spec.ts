import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  createCertificate,
  decodeSm2PrivateKeyPem,
  generateSm2PrivateKey,
  parseCertificatePem,
  type Sm2PrivateKey,
} from "@hutong/certs";
import { type Credentials, loadCredentialFiles } from "@hutong/client";
import { FinishRequest, HelloRequest, type Protection } from "@hutong/proto";
import {
  type ClientFinish,
  type ClientHello,
  createHandshakeClient,
  finishRequest,
  helloRequest,
  helloResponse,
  protectionModes,
  sessionErrorStatus,
  sessionPaths,
} from "@hutong/session";
import { createWireChannel, isWireError, type Status, statusName, type WireChannel } from "@hutong/wire";
import { type DevPki, openDevPki } from "../dev/dev-pki.js";
import { type SimulatedBackend, startSimulatedBackend } from "../dev/simulated-backends.js";
import { type RunningGateway, startGateway } from "./start-gateway.js";
import { gatewayConfigFor } from "./testing-gateway.js";

/**
 * Every row H1–H17 and F1–F8 of docs/session-protocol.md §8 ("Handshake refusals") against real
 * gateways: the status, the message `session: <code>` and the `hutong-error` trailer, and the table
 * and these cases kept in step.
 */
const gw = "prov:510000";
const system = "prov:510000/ticketing";
const revokedSystem = "prov:510000/revoked";
const doc = fileURLToPath(new URL("../../../../docs/session-protocol.md", import.meta.url));

interface Expected {
  readonly status: keyof typeof Status;
  readonly code: string;
}

/** The H and F rows of the doc's table: case id → status and code. */
async function documentedRows(): Promise<Map<string, Expected>> {
  const text = await readFile(doc, "utf8");
  const section = text.slice(text.indexOf("### Handshake refusals"), text.indexOf("### Limits"));
  const rows = new Map<string, Expected>();
  for (const m of section.matchAll(/^\| `([HFC]\d+)` +\|[^|]+\|[^|]+\| ([A-Z_]+) \(\d+\) +\| `([a-z-]+)` +\|$/gm)) {
    rows.set(m[1] as string, { status: m[2] as keyof typeof Status, code: m[3] as string });
  }
  return rows;
}

async function refused(run: () => Promise<unknown>): Promise<Expected & { message: string }> {
  try {
    await run();
  } catch (e) {
    assert.ok(isWireError(e), `expected a WireError, got ${String(e)}`);
    return {
      status: statusName(e.code) as keyof typeof Status,
      code: e.trailers["hutong-error"] ?? "",
      message: e.message,
    };
  }
  assert.fail("the handshake message was answered");
}

describe("handshake refusals: every row of §8 on a real gateway", () => {
  let dir: string;
  let pki: DevPki;
  let backend: SimulatedBackend;
  let creds: Credentials;
  let now = Date.now();
  const gateways: RunningGateway[] = [];
  const channels: WireChannel[] = [];
  /** Gateways: plain (defaults), by address (1 token per address), by party (1 completed handshake per party). */
  let plain: WireChannel;
  let byAddress: WireChannel;
  let byParty: WireChannel;

  async function gateway(session: Record<string, unknown> = {}): Promise<WireChannel> {
    const ticketKeys = { current: { id: 1, secretFile: await pki.ticketKeyFile("gw") } };
    const config = await gatewayConfigFor(dir, pki, backend, {
      session: { ticketKeys, ...session },
      store: { kind: "sqlite", path: join(dir, `gw-${gateways.length}.db`) },
    });
    const g = await startGateway({ config, now: () => now });
    gateways.push(g);
    const channel = createWireChannel(`127.0.0.1:${g.address.port}`);
    channels.push(channel);
    return channel;
  }

  function hello(who: Credentials = creds, target = gw) {
    return createHandshakeClient({ privateKey: who.privateKey, chain: who.chain, trust: who.trust }).start(target);
  }
  const sendHello = (channel: WireChannel, bytes: Buffer) => channel.unary(sessionPaths.hello, bytes, {});
  const sendFinish = (channel: WireChannel, bytes: Buffer) => channel.unary(sessionPaths.finish, bytes, {});
  /** A hello with these fields replaced, encoded as any protobuf encoder would (no checks). */
  const helloWith = (ch: ClientHello, fields: Partial<HelloRequest>) =>
    Buffer.from(
      HelloRequest.encode({
        version: ch.version,
        clientRandom: Buffer.from(ch.clientRandom),
        clientEphemeral: Buffer.from(ch.clientEphemeral),
        clientChain: ch.clientChain.map((c) => Buffer.from(c)),
        targetParty: ch.targetParty,
        protection: ch.protection,
        ...fields,
      }).finish(),
    );
  const finishWith = (cf: ClientFinish, fields: Partial<FinishRequest>) =>
    Buffer.from(
      FinishRequest.encode({
        cookie: Buffer.from(cf.cookie),
        clientSignature: Buffer.from(cf.clientSignature),
        ...fields,
      }).finish(),
    );
  /** A ClientFinish for a fresh handshake with `channel`. */
  async function finishFor(channel: WireChannel): Promise<ClientFinish> {
    const hs = hello();
    const sh = helloResponse.decode((await sendHello(channel, helloRequest.encode(hs.clientHello))).body);
    return (await hs.receive(sh, { now, crls: creds.crls })).clientFinish;
  }

  /** A chain under the dev CA whose leaf names no party: valid in every other way. */
  async function namelessChain(): Promise<{ chain: Uint8Array[]; key: Sm2PrivateKey }> {
    const caDir = join(pki.dir, "ca");
    const caCert = parseCertificatePem(await readFile(join(caDir, "ca.pem"), "utf8"))[0];
    const caKey = decodeSm2PrivateKeyPem(await readFile(join(caDir, "key.pem"), "utf8"));
    assert.ok(caCert !== undefined);
    const key = generateSm2PrivateKey();
    const leaf = createCertificate({
      subject: { commonName: "no party" },
      publicKey: key.publicKey,
      issuer: { certificate: caCert, privateKey: caKey },
      extKeyUsage: ["clientAuth"],
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 86_400_000),
    });
    return { chain: [leaf.der, caCert.der], key };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-hs-"));
    pki = await openDevPki(join(dir, "pki"), [
      { id: gw, role: "gateway" },
      { id: system, role: "system" },
      { id: revokedSystem, role: "system" },
    ]);
    await pki.revoke(revokedSystem, new Date(Date.now() - 60_000));
    backend = await startSimulatedBackend("510000");
    creds = await loadCredentialFiles({ ...pki.party(system), anchors: [pki.rootCert], crls: pki.crls });
    plain = await gateway();
    byAddress = await gateway({ handshake: { perAddress: { perSecond: 0.001, burst: 1 }, perParty: null } });
    byParty = await gateway({ handshake: { perAddress: null, perParty: { perSecond: 0.001, burst: 1 } } });
  });

  after(async () => {
    for (const c of channels) c.close();
    await Promise.all(gateways.map((g) => g.close()));
    await backend?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("refuses each case with the status and hutong-error of its row, and the table lists exactly these", async () => {
    const ch = hello().clientHello;
    const flipLast = (b: Uint8Array) => {
      const c = Buffer.from(b);
      c[c.length - 1] = (c[c.length - 1] ?? 0) ^ 1;
      return c;
    };
    const revoked = await loadCredentialFiles({ ...pki.party(revokedSystem), anchors: [pki.rootCert], crls: pki.crls });
    const nameless = await namelessChain();
    const rogueKey = generateSm2PrivateKey();
    const untrusted = createCertificate({
      subject: { commonName: system },
      publicKey: rogueKey.publicKey,
      selfSignKey: rogueKey,
      partyId: system,
      extKeyUsage: ["clientAuth"],
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 86_400_000),
    });
    const cases: Record<string, () => Promise<unknown>> = {
      H1: async () => {
        await sendHello(byAddress, helloRequest.encode(ch));
        return sendHello(byAddress, helloRequest.encode(ch));
      },
      H2: () => sendHello(plain, Buffer.from([0x0a, 0xff, 0xff, 0xff])),
      H3: () => sendHello(plain, helloWith(ch, { version: 0 })),
      H4: () => sendHello(plain, helloWith(ch, { version: 2 })),
      H5: () => sendHello(plain, helloWith(ch, { clientRandom: Buffer.alloc(31) })),
      H6: () => sendHello(plain, helloWith(ch, { clientEphemeral: Buffer.from(ch.clientEphemeral).subarray(0, 33) })),
      H7: () => sendHello(plain, helloWith(ch, { clientChain: [] })),
      H8: () => sendHello(plain, helloWith(ch, { targetParty: "" })),
      H9: () => sendHello(plain, helloWith(ch, { protection: 0 })),
      H10: () => sendHello(plain, helloWith(ch, { clientEphemeral: flipLast(ch.clientEphemeral) })),
      H11: () => sendHello(plain, helloWith(ch, { protection: 7 as Protection })),
      H12: () => sendHello(plain, helloWith(ch, { targetParty: "mot" })),
      H13: () => sendHello(plain, helloWith(ch, { clientChain: [Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])] })),
      H14: () => sendHello(plain, helloWith(ch, { clientChain: [Buffer.from(untrusted.der)] })),
      H15: () => sendHello(plain, helloRequest.encode(hello(revoked).clientHello)),
      H16: async () => {
        // byParty allows one completed handshake: after it, even a hello naming the party is refused.
        const cf = await finishFor(byParty);
        await sendFinish(byParty, finishRequest.encode(cf));
        return sendHello(byParty, helloRequest.encode(ch));
      },
      H17: () => sendHello(plain, helloWith(ch, { protection: protectionModes.plaintext })),
      F1: () => sendFinish(byAddress, finishWith({ cookie: Uint8Array.of(1), clientSignature: Uint8Array.of(1) }, {})),
      F2: () => sendFinish(plain, Buffer.from([0x0a, 0x09, 0x01])),
      F3: async () => sendFinish(plain, finishWith(await finishFor(plain), { cookie: Buffer.alloc(0) })),
      F4: async () => sendFinish(plain, finishWith(await finishFor(plain), { clientSignature: Buffer.alloc(0) })),
      F5: async () => {
        const cf = await finishFor(plain);
        return sendFinish(plain, finishWith(cf, { cookie: flipLast(cf.cookie) }));
      },
      F6: async () => {
        const cf = await finishFor(plain);
        now += 30_000;
        try {
          return await sendFinish(plain, finishRequest.encode(cf));
        } finally {
          now -= 30_000;
        }
      },
      F7: async () => {
        // Two cookies, then the first finish spends the party's one completed handshake.
        const channel = await gateway({ handshake: { perAddress: null, perParty: { perSecond: 0.001, burst: 1 } } });
        const first = await finishFor(channel);
        const second = await finishFor(channel);
        await sendFinish(channel, finishRequest.encode(first));
        return sendFinish(channel, finishRequest.encode(second));
      },
      F8: async () =>
        sendFinish(plain, finishWith(await finishFor(plain), { clientSignature: Buffer.from([1, 2, 3]) })),
    };
    const rows = await documentedRows();
    const serverRows = [...rows.keys()].filter((id) => !id.startsWith("C"));
    assert.deepEqual(serverRows.sort(), Object.keys(cases).sort(), "the doc's H and F rows and these cases");
    for (const [id, run] of Object.entries(cases)) {
      const want = rows.get(id);
      assert.ok(want !== undefined);
      const got = await refused(run);
      assert.deepEqual({ status: got.status, code: got.code }, want, id);
      assert.equal(got.message, `session: ${want.code}`, id);
      assert.equal(sessionErrorStatus[want.code as keyof typeof sessionErrorStatus], want.status, `${id}: §8's status`);
    }
    // The same chain that names no party is bad-certificate too (H14), not wrong-party.
    const anonymous = createHandshakeClient({ privateKey: nameless.key, chain: nameless.chain, trust: creds.trust });
    const got = await refused(() => sendHello(plain, helloRequest.encode(anonymous.start(gw).clientHello)));
    assert.deepEqual({ status: got.status, code: got.code }, { status: "UNAUTHENTICATED", code: "bad-certificate" });
    // Nothing was left holding a slot, and a good handshake still goes through.
    const hs = hello();
    const sh = helloResponse.decode((await sendHello(plain, helloRequest.encode(hs.clientHello))).body);
    const cf = (await hs.receive(sh, { now, crls: creds.crls })).clientFinish;
    assert.ok((await sendFinish(plain, finishRequest.encode(cf))).body.length > 0);
  });
});
