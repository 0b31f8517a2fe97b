// Child process of new-record-service.spec.ts. It runs with "@hutong/proto" resolved to a contract
// generated from a copy of proto/ that gained a record service by following
// docs/adding-a-record-service.md (a parking permit), and with every other module as it is in the
// repository. It starts the real gateway in front of a backend for the new service, calls it as a
// system of another member, and prints what it saw as JSON for the parent to check. It names the
// new service only in strings: it is type-checked against the repository's own contract.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { createGrpcJsTransport, createSessionClient, loadCredentialFiles } from "@hutong/client";
import * as proto from "@hutong/proto";
import {
  AuditEntry,
  contractServices,
  GrantorKind,
  IdType,
  Purpose,
  RegisterGrantRequest,
  RegisterGrantResponse,
  recordSchemas,
  ServerReflectionClient,
  type ServerReflectionResponse,
  shareMethods,
} from "@hutong/proto";
import { isWireError } from "@hutong/wire";
import { parseGatewayConfig } from "../config/gateway-config.js";
import { openDevPki } from "../dev/dev-pki.js";
import { signGrant } from "../grants/grant-signature.js";
import { subjectDigest } from "../grants/subject-digest.js";
import { startGateway } from "./start-gateway.js";

const service = "hutong.v1.ParkingPermitService";
const get = `/${service}/GetParkingPermit`;
const verify = `/${service}/VerifyParkingPermit`;
const owner = "prov:510000";
const caller = "prov:440000/desk";
const holderIdNo = "440101199001011234";

/** A generated message codec, looked up by name in the contract this process runs on. */
interface Codec {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  fromPartial(object: unknown): unknown;
  toJSON(message: unknown): unknown;
}
function codec(name: string): Codec {
  const found = (proto as unknown as Record<string, unknown>)[name];
  if (typeof found !== "object" || found === null || !("encode" in found) || !("toJSON" in found)) {
    throw new Error(`the contract has no message ${name}`);
  }
  return found as Codec;
}
const encode = (name: string, object: unknown) =>
  Buffer.from(codec(name).encode(codec(name).fromPartial(object)).finish());
const json = (name: string, bytes: Uint8Array) => codec(name).toJSON(codec(name).decode(bytes));

/** The permit owner's system: a plain grpc-js server for the new service, from the generated types. */
async function startBackend(): Promise<{ address: string; seen: Record<string, string>[]; close(): void }> {
  const seen: Record<string, string>[] = [];
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  const answer =
    (respond: (request: Buffer) => Buffer): grpc.handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      const m = call.metadata.getMap();
      seen.push({ path: call.getPath(), origin: String(m["hutong-origin"]), purpose: String(m["hutong-purpose"]) });
      callback(null, respond(call.request));
    };
  server.register(
    get,
    answer(() =>
      encode("GetParkingPermitResponse", {
        permit: {
          permitNo: "P-1",
          holder: { name: "王五", idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: holderIdNo },
          plateNo: "粤A12345",
          zone: "天河-3",
          validTo: "2027-06-30",
        },
      }),
    ),
    identity,
    identity,
    "unary",
  );
  server.register(
    verify,
    answer((request) => {
      const q = codec("VerifyParkingPermitRequest").decode(request) as { holderIdNo?: string };
      return encode("VerifyParkingPermitResponse", { valid: true, holderMatches: q.holderIdNo === holderIdNo });
    }),
    identity,
    identity,
    "unary",
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, seen, close: () => server.forceShutdown() };
}

async function main(): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-new-record-"));
  const closers: (() => unknown)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    const record = [...recordSchemas.values()].find((r) => r.label === "parking_permit");
    if (record === undefined) throw new Error("the generated contract has no parking_permit record");
    const pki = await openDevPki(join(dir, "pki"), [
      { id: owner, role: "gateway" },
      { id: caller, role: "system" },
    ]);
    const backend = await startBackend();
    closers.unshift(() => backend.close());
    const config = parseGatewayConfig(
      {
        party: owner,
        role: "province",
        listen: { host: "127.0.0.1", port: 0 },
        dataDir: dir,
        identity: pki.party(owner),
        trust: { anchors: [pki.rootCert], crls: pki.crls, crlRefreshSeconds: 3600 },
        session: { ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile("gw") } } },
        // Step 7 of the document: a route to the permit owner's backend and ACL rules; nothing else.
        routes: [{ match: owner, local: backend.address, timeoutMs: 3000 }],
        acl: [
          {
            callers: [caller],
            methods: [`${service}/*`],
            purposes: ["REGULATORY_SUPERVISION", "LAW_ENFORCEMENT", "LICENCE_USE"],
          },
          { callers: [caller], methods: ["hutong.v1.GrantService/RegisterGrant"], purposes: ["LICENCE_USE"] },
        ],
        grants: { subjectKeyFile: await pki.subjectKeyFile(), holderAnchors: [pki.holderCaCert] },
        reflection: true,
        observability: { logLevel: "silent" },
      },
      dir,
    );
    const gateway = await startGateway({ config });
    closers.unshift(() => gateway.close());
    const address = `127.0.0.1:${gateway.address.port}`;
    const creds = await loadCredentialFiles({ ...pki.party(caller), anchors: [pki.rootCert], crls: pki.crls });
    const session = createSessionClient({
      transport: createGrpcJsTransport(address),
      serverParty: owner,
      privateKey: creds.privateKey,
      chain: creds.chain,
      trust: creds.trust,
      crls: () => creds.crls,
    });
    closers.unshift(() => session.close());

    const context = (purpose: Purpose, grantId = "") => ({ targetParty: owner, purpose, grantId, correlationId: "c" });
    const attempt = async (path: string, body: Buffer, reply: string) => {
      try {
        return { ok: json(reply, (await session.call(path, body)).body) };
      } catch (e) {
        if (!isWireError(e)) throw e;
        return { code: e.code, denial: e.trailers["hutong-denial"] ?? null };
      }
    };
    const fetchAs = (purpose: Purpose, grantId = "") =>
      attempt(
        get,
        encode("GetParkingPermitRequest", { context: context(purpose, grantId), permitNo: "P-1" }),
        "GetParkingPermitResponse",
      );

    const supervision = await fetchAs(Purpose.PURPOSE_REGULATORY_SUPERVISION);
    const lawFetch = await fetchAs(Purpose.PURPOSE_LAW_ENFORCEMENT);
    const lawVerify = await attempt(
      verify,
      encode("VerifyParkingPermitRequest", {
        context: context(Purpose.PURPOSE_LAW_ENFORCEMENT),
        permitNo: "P-1",
        holderIdNo,
      }),
      "VerifyParkingPermitResponse",
    );
    const withoutGrant = await fetchAs(Purpose.PURPOSE_LICENCE_USE);

    // A holder grant for the new record kind, signed in the holder's app and registered at the owner.
    const key = Buffer.from((await readFile(await pki.subjectKeyFile(), "utf8")).trim(), "hex");
    const subject = subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, holderIdNo);
    const holder = pki.holder(subject);
    const now = Date.now();
    const grant = signGrant(
      {
        version: 1,
        grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
        grantorParty: "",
        granteeParty: caller,
        ownerParty: owner,
        subjectDigest: Buffer.from(subject),
        recordKind: record.kind,
        recordIds: ["P-1"],
        purpose: Purpose.PURPOSE_LICENCE_USE,
        notBefore: new Date(now - 60_000),
        expiresAt: new Date(now + 86_400_000),
        useLimit: 2,
        fieldsAllowed: ["parking_permit.permit_no", "parking_permit.holder.name"],
        issuedAt: new Date(now - 60_000),
        nonce: Buffer.alloc(16, 7),
      },
      holder.privateKey,
      holder.chain,
    );
    const registered = RegisterGrantResponse.decode(
      (
        await session.call(
          "/hutong.v1.GrantService/RegisterGrant",
          Buffer.from(RegisterGrantRequest.encode({ context: context(Purpose.PURPOSE_LICENCE_USE), grant }).finish()),
        )
      ).body,
    );
    const granted = await fetchAs(Purpose.PURPOSE_LICENCE_USE, registered.record?.grantId ?? "");

    const reflection = new ServerReflectionClient(address, grpc.credentials.createInsecure());
    closers.unshift(() => reflection.close());
    const listed = await new Promise<ServerReflectionResponse>((resolve, reject) => {
      const stream = reflection.serverReflectionInfo();
      stream.on("data", (r: ServerReflectionResponse) => {
        resolve(r);
        stream.end();
      });
      stream.on("error", reject);
      stream.write({ host: "", messageRequest: { $case: "listServices", value: "*" } });
    });

    const audit = [];
    for await (const e of gateway.auditLog.export()) {
      const entry = AuditEntry.decode(e.bytes);
      audit.push({
        method: entry.method,
        decision: entry.decision,
        reason: entry.reason,
        recordKind: entry.recordKind,
        fieldsReleased: entry.fieldsReleased,
        recordDigest: entry.recordDigest.length,
        subjectDigest: entry.subjectDigest.length,
      });
    }
    return {
      routing: contractServices.find((s) => s.name === service)?.routing ?? null,
      shareMethods: [...shareMethods.keys()].filter((m) => m.startsWith(service)),
      recordKind: record.kind,
      views: Object.fromEntries(record.views),
      supervision,
      lawFetch,
      lawVerify,
      withoutGrant,
      granted,
      listed:
        listed.messageResponse?.$case === "listServicesResponse"
          ? listed.messageResponse.value.service.map((s) => s.name)
          : [],
      backend: backend.seen,
      audit,
    };
  } finally {
    for (const close of closers)
      await Promise.resolve()
        .then(close)
        .catch(() => {});
  }
}

main().then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
