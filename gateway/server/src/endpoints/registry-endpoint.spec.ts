import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuditWitnessState,
  GatewayRole,
  GetGatewayInfoRequest,
  GetGatewayInfoResponse,
  RegistryServiceService,
} from "@hutong/proto";
import { Status } from "@hutong/wire";
import { mapError } from "../gateway/status-mapping.js";
import { createRouteTable } from "../routing/route-table.js";
import type { OperationalFacts } from "./operational-facts.js";
import { createRegistryEndpoint, type RegistryFacts } from "./registry-endpoint.js";

const at = (iso: string) => new Date(iso);

const base: RegistryFacts = {
  party: "prov:510000",
  role: GatewayRole.GATEWAY_ROLE_PROVINCE,
  version: "0.1.0",
  services: ["hutong.v1.TicketService"],
  startedAt: at("2026-01-01T00:00:00.000Z"),
  routes: () => createRouteTable([]),
};

const facts: OperationalFacts = {
  certificates: [
    {
      subjectParty: "prov:510000",
      subjectName: "CN=prov:510000, O=hutong development",
      serial: "0aff",
      notBefore: at("2026-01-01T00:00:00.000Z"),
      notAfter: at("2027-01-01T00:00:00.000Z"),
    },
    {
      subjectParty: "",
      subjectName: "CN=hutong development CA, O=hutong development",
      serial: "01",
      notBefore: at("2025-01-01T00:00:00.000Z"),
      notAfter: at("2035-01-01T00:00:00.000Z"),
    },
  ],
  crls: [
    {
      issuerName: "CN=hutong development CA, O=hutong development",
      issuerParty: "",
      thisUpdate: at("2026-02-01T00:00:00.000Z"),
      nextUpdate: undefined,
      revokedCount: 3,
    },
  ],
  auditLog: {
    origin: "hutong/prov:510000/audit/sm3",
    verifierKey: "hutong/prov:510000/audit/sm3+0a0b0c0d+/w==",
    size: 12,
    latestCheckpointSize: 0,
    latestCheckpointTime: undefined,
  },
  witnesses: [
    { party: "mot", keyName: "hutong/mot/witness", state: "cosigned", lastCosignedSize: 0, detail: "cosigned" },
    {
      party: "prov:440000",
      keyName: "hutong/prov:440000/witness",
      state: "unknown",
      lastCosignedSize: undefined,
      detail: "not asked by this gateway process yet",
    },
  ],
};

async function getInfo(registry: RegistryFacts, body = Buffer.alloc(0)): Promise<GetGatewayInfoResponse> {
  const answer = createRegistryEndpoint(registry).get(RegistryServiceService.getGatewayInfo.path);
  assert.ok(answer);
  return GetGatewayInfoResponse.decode(await answer(body));
}

describe("RegistryService.GetGatewayInfo", () => {
  it("reports the operational facts it is given, reading them at each call", async () => {
    let reads = 0;
    const registry = {
      ...base,
      operations: async () => {
        reads += 1;
        return { ...facts, auditLog: facts.auditLog && { ...facts.auditLog, size: 12 + reads } };
      },
    };
    const info = await getInfo(registry);
    assert.equal(info.partyId, "prov:510000");
    assert.deepEqual(info.certificates, facts.certificates);
    assert.deepEqual(info.crls, [{ ...facts.crls[0], nextUpdate: undefined }]);
    assert.deepEqual(info.auditLog, {
      origin: "hutong/prov:510000/audit/sm3",
      verifierKey: "hutong/prov:510000/audit/sm3+0a0b0c0d+/w==",
      size: 13n,
      // A checkpoint of size 0 is a checkpoint: present, not left out.
      latestCheckpointSize: 0n,
      latestCheckpointTime: undefined,
    });
    assert.deepEqual(
      info.witnesses.map((w) => [w.party, w.keyName, w.state, w.lastCosignedSize, w.detail]),
      [
        ["mot", "hutong/mot/witness", AuditWitnessState.AUDIT_WITNESS_STATE_COSIGNED, 0n, "cosigned"],
        [
          "prov:440000",
          "hutong/prov:440000/witness",
          AuditWitnessState.AUDIT_WITNESS_STATE_UNKNOWN,
          undefined,
          "not asked by this gateway process yet",
        ],
      ],
    );
    assert.equal((await getInfo(registry)).auditLog?.size, 14n, "a second call reads the facts again");
  });

  it("leaves the operational fields empty when it has no source for them", async () => {
    const info = await getInfo(base);
    assert.deepEqual([info.certificates, info.crls, info.auditLog, info.witnesses], [[], [], undefined, []]);
    assert.equal(info.apiPackage, "hutong.v1");
  });

  it("refuses request bytes that are not a GetGatewayInfoRequest", async () => {
    await assert.rejects(getInfo(base, Buffer.from([0x0a, 0x05, 0x01])), (e) => {
      assert.equal(mapError(e).wire.code, Status.INVALID_ARGUMENT);
      assert.equal(mapError(e).wire.message, "GetGatewayInfoRequest is not well-formed protobuf");
      return true;
    });
    assert.deepEqual(GetGatewayInfoRequest.decode(Buffer.alloc(0)), {});
  });

  it("fails the call when the facts cannot be read, rather than answering without them", async () => {
    const broken = { ...base, operations: () => Promise.reject(new Error("store closed")) };
    await assert.rejects(getInfo(broken), (e) => {
      assert.equal(mapError(e).wire.code, Status.INTERNAL);
      return true;
    });
  });
});
