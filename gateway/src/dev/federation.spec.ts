import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { LicenceServiceService, Purpose, TicketServiceService, VerifyTicketRequest } from "@hutong/proto";
import { createGrpcJsTransport } from "../client/grpc-js-transport.js";
import { createSessionClient } from "../client/session-client.js";
import type { UnaryTransport } from "../client/unary-transport.js";
import { parseGatewayConfig } from "../config/gateway-config.js";
import { loadCredentialFiles } from "../pki-files/credential-files.js";
import { Status } from "../wire/grpc-status.js";
import { isWireError } from "../wire/wire-error.js";
import { type Federation, federationParties as p, startFederation } from "./federation.js";
import { sampleTickets } from "./simulated-backends.js";

const gdTicket = sampleTickets("440000")[0];

function verify(target: string, purpose = Purpose.PURPOSE_BOARDING_CHECK) {
  return {
    context: { targetParty: target, purpose, grantId: "", correlationId: "fed-1" },
    ticketNo: gdTicket?.ticketNo ?? "",
    holderIdType: 0,
    holderIdNo: gdTicket?.passenger?.idNo ?? "",
    holderName: "",
    scheduleNo: "",
  };
}

async function status(
  p: Promise<unknown>,
): Promise<{ code: number; message: string; trailers: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    if (isWireError(e)) return { code: e.code, message: e.message, trailers: { ...e.trailers } };
    throw e;
  }
  return { code: Status.OK, message: "", trailers: {} };
}

describe("federation: a call crosses two gateways with SM2 mutual authentication on every hop", () => {
  let dir: string;
  let fed: Federation;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-fed-"));
    fed = await startFederation(dir);
  });
  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("Sichuan's system reaches Guangdong's backend via the hub; origin, hops and trace survive", async () => {
    const client = await fed.client(p.sichuanTicketing);
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const r = await client.unary(TicketServiceService.verifyTicket, verify(p.guangdong), {
      metadata: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    assert.deepEqual([r.valid, r.holderMatches], [true, true]);
    const seen = fed.backends.guangdong.seen.at(-1)?.metadata ?? {};
    assert.equal(seen["hutong-origin"], p.sichuanTicketing);
    assert.equal(seen["hutong-hops"], `${p.sichuan},${p.hub},${p.guangdong}`);
    assert.equal(seen.traceparent?.split("-")[1], traceId, "one trace id from the caller to the backend");
  });

  it("the data owner's ACL decides, and its refusal reaches the caller through both hops", async () => {
    const client = await fed.client(p.sichuanTicketing);
    const s = await status(
      client.unary(TicketServiceService.getTicket, {
        context: verify(p.guangdong, Purpose.PURPOSE_TICKET_SERVICE).context,
        ticketNo: gdTicket?.ticketNo ?? "",
        annotate: false,
      }),
    );
    assert.equal(s.code, Status.PERMISSION_DENIED);
    assert.match(s.message, /prov:510000\/ticketing may not call hutong\.v1\.TicketService\/GetTicket/);
    const enf = await fed.client(p.guangdongEnforcement);
    const ok = await enf.unary(LicenceServiceService.verifyLicence, {
      context: { targetParty: p.sichuan, purpose: Purpose.PURPOSE_LAW_ENFORCEMENT, grantId: "", correlationId: "" },
      lookup: { key: { $case: "licenceNo", value: "51-OP-0001" }, kind: 0 },
      holderIdNo: "",
      holderName: "",
      holderUscc: "",
      plateNo: "",
    });
    assert.equal(ok.valid, true);
  });

  it("refuses relay metadata from a gateway that is not a trusted relay, and forged relay metadata", async () => {
    // Guangdong's gateway calls Sichuan's directly, claiming to relay for Guangdong enforcement:
    // Sichuan trusts only the hub as a relay.
    const creds = await loadCredentialFiles({
      ...fed.pki.party(p.guangdong),
      anchors: [fed.pki.rootCert],
      crls: fed.pki.crls,
    });
    const body = Buffer.from(VerifyTicketRequest.encode(verify(p.sichuan, Purpose.PURPOSE_THROUGH_TICKET)).finish());
    const direct = createSessionClient({
      transport: createGrpcJsTransport(`127.0.0.1:${fed.sichuan.address.port}`),
      serverParty: p.sichuan,
      privateKey: creds.privateKey,
      chain: creds.chain,
      trust: creds.trust,
      crls: () => creds.crls,
    });
    const s1 = await status(
      direct.call(TicketServiceService.verifyTicket.path, body, {
        route: { origin: p.guangdongTicketing, hops: p.guangdong },
      }),
    );
    assert.equal(s1.code, Status.PERMISSION_DENIED);
    assert.match(s1.message, /may not relay/);
    direct.close();

    // The hub's own certificate, but the origin rewritten after the route MAC was computed.
    const hubCreds = await loadCredentialFiles({
      ...fed.pki.party(p.hub),
      anchors: [fed.pki.rootCert],
      crls: fed.pki.crls,
    });
    const base = createGrpcJsTransport(`127.0.0.1:${fed.sichuan.address.port}`);
    const forging: UnaryTransport = {
      unary: (path, b, md, o) => base.unary(path, b, md["hutong-origin"] ? { ...md, "hutong-origin": "mot" } : md, o),
      close: () => base.close(),
    };
    const forged = createSessionClient({
      transport: forging,
      serverParty: p.sichuan,
      privateKey: hubCreds.privateKey,
      chain: hubCreds.chain,
      trust: hubCreds.trust,
      crls: () => hubCreds.crls,
    });
    const s2 = await status(
      forged.call(TicketServiceService.verifyTicket.path, body, {
        route: { origin: p.guangdongTicketing, hops: p.guangdong },
      }),
    );
    assert.equal(s2.code, Status.UNAUTHENTICATED);
    assert.equal(s2.trailers["hutong-error"], "bad-mac");
    forged.close();
  });

  it("refuses a routing loop with FAILED_PRECONDITION, and recovers when the route is fixed", async () => {
    // Misconfigure the hub: everything it does not know goes back to Sichuan.
    const looped = parseGatewayConfig(
      {
        ...structuredClone(rawOf(fed.configs.hub)),
        routes: [
          ...fed.configs.hub.routes.map((r) => ({ ...r })),
          { match: "*", peer: { address: `127.0.0.1:${fed.sichuan.address.port}`, party: p.sichuan } },
        ],
      },
      dir,
    );
    await fed.hub.reload(looped);
    const client = await fed.client(p.sichuanTicketing);
    const s = await status(client.unary(TicketServiceService.verifyTicket, verify("prov:650000")));
    assert.equal(s.code, Status.FAILED_PRECONDITION);
    assert.match(s.message, /loop/);
    await fed.hub.reload(fed.configs.hub);
    const s2 = await status(client.unary(TicketServiceService.verifyTicket, verify("prov:650000")));
    assert.equal(s2.code, Status.NOT_FOUND);
  });

  it("a peer gateway that is down is UNAVAILABLE at the hop before it", async () => {
    const client = await fed.client(p.guangdongEnforcement);
    await fed.sichuan.close();
    const s = await status(client.unary(TicketServiceService.verifyTicket, verify(p.sichuan)));
    assert.equal(s.code, Status.UNAVAILABLE);
    assert.match(s.message, /prov:510000 via prov:510000/);
  });
});

/** The file-shaped part of a parsed config, to build a variant from. */
function rawOf(c: Federation["configs"]["hub"]): Record<string, unknown> {
  const { routeTable: _r, acl: _a, aclRules, ...rest } = c;
  return { ...rest, acl: aclRules };
}
