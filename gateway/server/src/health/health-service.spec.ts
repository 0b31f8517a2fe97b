// The health service on a real wire server, probed by grpc-js's generated grpc.health.v1 client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { type HealthCheckResponse, HealthClient, HealthCheckResponse_ServingStatus as S } from "@hutong/proto";
import { createWireServer, type WireServer } from "@hutong/wire";
import { eventually, grpcClient, rawUnary } from "@hutong/wire/testing";
import { createHealthService } from "./health-service.js";

function check(client: HealthClient, service: string): Promise<S> {
  return new Promise((resolve, reject) => client.check({ service }, (e, r) => (e ? reject(e) : resolve(r.status))));
}

interface Watching {
  readonly seen: S[];
  readonly ended: Promise<{ code: number }>;
  cancel(): void;
}

function watch(client: HealthClient, service: string): Watching {
  const call = client.watch({ service });
  const seen: S[] = [];
  call.on("data", (r: HealthCheckResponse) => seen.push(r.status));
  call.on("error", () => {});
  const ended = new Promise<{ code: number }>((resolve) => call.on("status", resolve));
  return { seen, ended, cancel: () => call.cancel() };
}

describe("health service", () => {
  const health = createHealthService();
  let server: WireServer;
  let client: HealthClient;
  let address = "";

  before(async () => {
    server = createWireServer({ resolve: (path) => health.routes.get(path) });
    const { port } = await server.listen("127.0.0.1", 0);
    address = `127.0.0.1:${port}`;
    client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close(100);
  });

  it("serves the three standard paths", () => {
    assert.deepEqual([...health.routes.keys()].sort(), [
      "/grpc.health.v1.Health/Check",
      "/grpc.health.v1.Health/List",
      "/grpc.health.v1.Health/Watch",
    ]);
  });

  it("Check: the server overall is SERVING, a set service has its status, an unknown one is NOT_FOUND", async () => {
    assert.equal(await check(client, ""), S.SERVING);
    health.setStatus("hutong.v1.TicketService", "NOT_SERVING");
    assert.equal(await check(client, "hutong.v1.TicketService"), S.NOT_SERVING);
    health.setStatus("hutong.v1.TicketService", "SERVING");
    assert.equal(await check(client, "hutong.v1.TicketService"), S.SERVING);
    await assert.rejects(check(client, "no.Such"), (e: ServiceError) => {
      assert.equal(e.code, grpcStatus.NOT_FOUND);
      assert.match(e.details, /unknown service no\.Such/);
      return true;
    });
  });

  it("List: every known service", async () => {
    const statuses = await new Promise<Record<string, { status: S }>>((resolve, reject) =>
      client.list({}, (e, r) => (e ? reject(e) : resolve(r.statuses))),
    );
    assert.equal(statuses[""]?.status, S.SERVING);
    assert.equal(statuses["hutong.v1.TicketService"]?.status, S.SERVING);
  });

  it("Watch: the current status, then each change; an unknown service reads SERVICE_UNKNOWN until set", async () => {
    const known = watch(client, "hutong.v1.LicenceService");
    await eventually(() => known.seen.length === 1);
    assert.deepEqual(known.seen, [S.SERVICE_UNKNOWN]);
    health.setStatus("hutong.v1.LicenceService", "SERVING");
    await eventually(() => known.seen.length === 2);
    // Setting the same status again is not a change.
    health.setStatus("hutong.v1.LicenceService", "SERVING");
    health.setStatus("hutong.v1.LicenceService", "NOT_SERVING");
    await eventually(() => known.seen.length === 3);
    assert.deepEqual(known.seen, [S.SERVICE_UNKNOWN, S.SERVING, S.NOT_SERVING]);
    known.cancel();
    assert.equal((await known.ended).code, grpcStatus.CANCELLED);
    await eventually(() => server.activeCalls === 0);
  });

  it("shutdown(): watchers hear NOT_SERVING and their streams end OK; later changes are ignored", async () => {
    const w = watch(client, "");
    await eventually(() => w.seen.length === 1);
    health.shutdown();
    const ended = await w.ended;
    assert.equal(ended.code, grpcStatus.OK);
    assert.deepEqual(w.seen, [S.SERVING, S.NOT_SERVING]);
    health.setStatus("", "SERVING");
    assert.equal(await check(client, ""), S.NOT_SERVING);
    assert.equal(await check(client, "hutong.v1.TicketService"), S.NOT_SERVING);
  });

  it("rejects a malformed request with INTERNAL", async () => {
    const raw = grpcClient(address);
    const r = await rawUnary(raw, "/grpc.health.v1.Health/Check", Buffer.from([0x0a, 0x05, 0x61]));
    raw.close();
    assert.equal(r.status.code, grpcStatus.INTERNAL);
  });
});
