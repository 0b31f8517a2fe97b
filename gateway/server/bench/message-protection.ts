// npm run bench:protection — what SM4 message protection costs per call, in µs of CPU: a full call's
// session work on both sides (the client signs its request, the server verifies it and protects its
// answer, the client opens the answer) for a 512-byte request and a 512-byte response, on an SM4
// session and on a plaintext one; the difference is the encryption. Sessions are made with real
// handshakes on the SM2 backend in use (HUTONG_SM2_BACKEND=native|js); SM4 and HMAC-SM3 are
// OpenSSL's either way (the HMAC in one call into the addon where it is built).
import { randomBytes } from "node:crypto";
import {
  createCertificate,
  createCrl,
  defaultSm2Backend,
  generateSm2PrivateKey,
  isNativeBackendAvailable,
} from "@hutong/certs";
import {
  type ClientSession,
  createCallVerifier,
  createClientSession,
  createHandshakeClient,
  createHandshakeServer,
  createReplayWindow,
  createTicketKeyring,
  type ProtectionMode,
} from "@hutong/session";

const day = 86_400_000;
const now = Date.now();
const rootKey = generateSm2PrivateKey();
const root = createCertificate({
  subject: { commonName: "bench root" },
  publicKey: rootKey.publicKey,
  selfSignKey: rootKey,
  ca: {},
  notBefore: new Date(now - day),
  notAfter: new Date(now + day),
});
const leaf = (party: string, eku: "serverAuth" | "clientAuth") => {
  const key = generateSm2PrivateKey();
  const cert = createCertificate({
    subject: { commonName: party },
    publicKey: key.publicKey,
    issuer: { certificate: root, privateKey: rootKey },
    partyId: party,
    extKeyUsage: [eku],
    notBefore: new Date(now - day),
    notAfter: new Date(now + day),
  });
  return { key, cert };
};
const server = leaf("prov:510000", "serverAuth");
const client = leaf("prov:510000/ticketing", "clientAuth");
const crls = [
  createCrl({
    issuer: root,
    issuerKey: rootKey,
    thisUpdate: new Date(now - day),
    nextUpdate: new Date(now + day),
    crlNumber: 1n,
    entries: [],
  }),
];
const keyring = createTicketKeyring({ current: { id: 1, secret: randomBytes(32) } });
const trust = { trustAnchors: [root] };
const handshakes = createHandshakeServer({
  partyId: "prov:510000",
  privateKey: server.key,
  chain: [server.cert.der],
  trust,
  keyring,
  acceptPlaintext: () => true,
});

async function session(protection: ProtectionMode): Promise<ClientSession> {
  const hs = createHandshakeClient({ privateKey: client.key, chain: [client.cert.der], trust, protection }).start(
    "prov:510000",
  );
  const awaiting = await hs.receive(await handshakes.hello(hs.clientHello, { now, crls }), { now, crls });
  return createClientSession(awaiting.complete(await handshakes.finish(awaiting.clientFinish, { now })));
}

const method = "/hutong.v1.TicketService/VerifyTicket";
const size = Number(process.argv[2] ?? 512);
const request = randomBytes(size);
const response = randomBytes(size);
const verifier = createCallVerifier({
  keyring,
  replayWindow: createReplayWindow({ maxEntries: 10_000_000, maxEntriesPerSession: 10_000_000 }),
});

/** µs of CPU per call for `n` calls; every call's answer is checked. */
function run(s: ClientSession, n: number): number {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const signed = s.signRequest(method, request, now);
    const call = verifier.verify({ method, metadata: signed.metadata, requestBytes: signed.body, now, crls });
    const reply = call.protectResponse(response);
    const opened = s.openResponse(method, signed.nonce, reply.body, Buffer.from(reply.mac).toString("hex"));
    if (opened.length !== response.length || call.request.length !== request.length) throw new Error("mismatch");
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}

const sm4 = await session("sm4");
const plain = await session("plaintext");
const n = 20_000;
// Warm up both, then alternate rounds so drift hits both alike.
run(sm4, n);
run(plain, n);
const rounds: { sm4: number; plain: number }[] = [];
for (let i = 0; i < 6; i++) rounds.push({ sm4: run(sm4, n), plain: run(plain, n) });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const r2 = (x: number) => Math.round(x * 100) / 100;
const result = {
  backend: defaultSm2Backend().name,
  nativeAddon: isNativeBackendAvailable(),
  messageBytes: size,
  sm4UsPerCall: r2(median(rounds.map((r) => r.sm4))),
  plaintextUsPerCall: r2(median(rounds.map((r) => r.plain))),
  encryptionUsPerCall: r2(median(rounds.map((r) => r.sm4 - r.plain))),
};
console.log(
  `${size}-byte request and response, both sides of a call (${result.backend} SM2 backend): ` +
    `SM4 ${result.sm4UsPerCall} µs, plaintext ${result.plaintextUsPerCall} µs, encryption ${result.encryptionUsPerCall} µs per call`,
);
console.log(JSON.stringify(result));
