// grpc.health.v1.Health (https://github.com/grpc/grpc/blob/master/doc/health-checking.md) on the wire server,
// for load-balancer probes: no session or ACL in front of it. Semantics follow grpc-go's health server: the
// overall service "" starts SERVING, Check of an unknown service is NOT_FOUND, Watch of one reports
// SERVICE_UNKNOWN and keeps watching, and shutdown() turns everything NOT_SERVING for good.
import {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthListResponse,
  HealthService as HealthServiceDefinition,
} from "@hutong/proto";
import type { Route, StreamCall, UnaryCall } from "@hutong/wire";
import { Status, WireError } from "@hutong/wire";

export type ServingStatus = "SERVING" | "NOT_SERVING";

export interface HealthService {
  /** Route per method path, to plug into the wire server's resolver. */
  readonly routes: Map<string, Route>;
  /** Sets a service's status ("" is the whole server) and tells its watchers. Ignored after shutdown(). */
  setStatus(service: string, status: ServingStatus): void;
  /** Everything NOT_SERVING, watchers told so and their streams ended (so a graceful close does not wait on them). */
  shutdown(): void;
}

/** The health protocol caps List at 100 services. */
const maxListed = 100;

type Wire = HealthCheckResponse_ServingStatus;
const wireStatus: Readonly<Record<ServingStatus, Wire>> = {
  SERVING: HealthCheckResponse_ServingStatus.SERVING,
  NOT_SERVING: HealthCheckResponse_ServingStatus.NOT_SERVING,
};

function bytes(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

function encodeStatus(status: Wire): Buffer {
  return bytes(HealthCheckResponse.encode({ status }).finish());
}

function decodeRequest(body: Buffer): HealthCheckRequest {
  try {
    return HealthCheckRequest.decode(body);
  } catch {
    throw new WireError(Status.INTERNAL, "malformed HealthCheckRequest");
  }
}

interface Watcher {
  update(status: Wire): void;
  stop(): void;
}

export function createHealthService(): HealthService {
  const statuses = new Map<string, ServingStatus>([["", "SERVING"]]);
  const watchers = new Map<string, Set<Watcher>>();
  let down = false;

  function current(service: string): Wire {
    const s = statuses.get(service);
    return s === undefined ? HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN : wireStatus[s];
  }

  async function check(call: UnaryCall) {
    const { service } = decodeRequest(call.body);
    const status = statuses.get(service);
    if (status === undefined) throw new WireError(Status.NOT_FOUND, `unknown service ${service}`);
    return { body: encodeStatus(wireStatus[status]) };
  }

  async function list(_call: UnaryCall) {
    if (statuses.size > maxListed) {
      throw new WireError(Status.RESOURCE_EXHAUSTED, `more than ${maxListed} services`);
    }
    const out: HealthListResponse = { statuses: {} };
    for (const [service, status] of statuses) out.statuses[service] = { status: wireStatus[status] };
    return { body: bytes(HealthListResponse.encode(out).finish()) };
  }

  async function watch(call: StreamCall): Promise<void> {
    let request: Buffer | undefined;
    for await (const message of call.messages) {
      request = message;
      break;
    }
    if (request === undefined) throw new WireError(Status.UNIMPLEMENTED, "no request message for Watch");
    const { service } = decodeRequest(request);
    await new Promise<void>((resolve) => {
      let last: Wire | undefined;
      const signal = call.signal;
      const watcher: Watcher = {
        update(status) {
          if (status === last) return;
          last = status;
          try {
            call.send(encodeStatus(status));
          } catch {
            watcher.stop(); // the call is over (cancelled, or the peer stopped reading)
          }
        },
        stop() {
          watchers.get(service)?.delete(watcher);
          signal.removeEventListener("abort", watcher.stop);
          resolve();
        },
      };
      if (signal.aborted || down) {
        if (down) watcher.update(current(service));
        resolve();
        return;
      }
      let set = watchers.get(service);
      if (set === undefined) {
        set = new Set();
        watchers.set(service, set);
      }
      set.add(watcher);
      signal.addEventListener("abort", watcher.stop);
      watcher.update(current(service));
    });
  }

  const routes = new Map<string, Route>([
    [HealthServiceDefinition.check.path, { kind: "unary", handler: check }],
    [HealthServiceDefinition.list.path, { kind: "unary", handler: list }],
    [HealthServiceDefinition.watch.path, { kind: "stream", handler: watch }],
  ]);

  return {
    routes,

    setStatus(service, status) {
      if (down) return;
      if (wireStatus[status] === undefined) throw new TypeError(`invalid serving status ${String(status)}`);
      statuses.set(service, status);
      for (const watcher of watchers.get(service) ?? []) watcher.update(wireStatus[status]);
    },

    shutdown() {
      if (down) return;
      down = true;
      for (const service of statuses.keys()) statuses.set(service, "NOT_SERVING");
      for (const [service, set] of watchers) {
        for (const watcher of [...set]) {
          watcher.update(current(service));
          watcher.stop();
        }
      }
      watchers.clear();
    },
  };
}
