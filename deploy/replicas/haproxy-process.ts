import { connect } from "node:net";
import { join } from "node:path";
import { type ManagedProcess, startManagedProcess } from "./managed-process.js";

export const haproxyConfig = join(import.meta.dirname, "..", "haproxy", "haproxy.cfg");

export interface HaproxySettings {
  readonly listen: string;
  readonly pemPath: string;
  readonly replicas: readonly [string, string];
  readonly metrics: string;
  readonly adminSocket: string;
  /** Requests per 10 s per client address before 429. */
  readonly rate?: number;
}

export interface RunningHaproxy {
  readonly process: ManagedProcess;
  /** One command on the runtime API (e.g. `disable server hutong_gateways/replica1`); its answer. */
  admin(command: string): Promise<string>;
  /** The state HAProxy's checks give each replica: "UP", "DOWN", "MAINT", ... */
  serverStates(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let answer = "";
    s.on("data", (d) => {
      answer += d.toString("utf8");
    });
    s.on("end", () => resolve(answer));
    s.on("error", reject);
    s.write(`${command}\n`);
  });
}

/** Runs the committed deploy/haproxy/haproxy.cfg, its deployment values in the environment. */
export async function startHaproxy(settings: HaproxySettings): Promise<RunningHaproxy> {
  const env = {
    ...process.env,
    HUTONG_PROXY_ADDR: settings.listen,
    HUTONG_PROXY_PEM: settings.pemPath,
    HUTONG_REPLICA_1: settings.replicas[0],
    HUTONG_REPLICA_2: settings.replicas[1],
    HUTONG_PROXY_METRICS_ADDR: settings.metrics,
    HUTONG_PROXY_ADMIN_SOCKET: settings.adminSocket,
    HUTONG_PROXY_RATE: String(settings.rate ?? 1_000_000),
  };
  // -db: foreground, no daemon; the test owns the PID.
  const proc = startManagedProcess("haproxy", "haproxy", ["-db", "-f", haproxyConfig], { env });
  const admin = (command: string) => adminCommand(settings.adminSocket, command);
  // Ready once the runtime API answers (the listeners are bound before it is).
  const deadline = Date.now() + 15_000;
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  for (;;) {
    try {
      await admin("show info");
      break;
    } catch (e) {
      if (exited || Date.now() > deadline) throw new Error(`haproxy did not start: ${String(e)}\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    process: proc,
    admin,
    async serverStates() {
      // "show servers state" columns: be_id be_name srv_id srv_name srv_addr srv_op_state ...
      const lines = (await admin("show servers state hutong_gateways")).split("\n").slice(2);
      const states: Record<string, string> = {};
      for (const line of lines) {
        const cols = line.trim().split(/\s+/);
        const name = cols[3];
        const op = Number(cols[5]);
        const admState = Number(cols[6]);
        if (name === undefined || Number.isNaN(op)) continue;
        states[name] = admState !== 0 ? "MAINT" : op === 2 ? "UP" : op === 0 ? "DOWN" : "STARTING";
      }
      return states;
    },
    stop: () => proc.stop(),
  };
}

/** Waits until HAProxy's checks give every named replica the wanted state. */
export async function waitForStates(
  proxy: RunningHaproxy,
  wanted: Record<string, string>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await proxy.serverStates();
    if (Object.entries(wanted).every(([name, state]) => states[name] === state)) return;
    if (Date.now() > deadline) {
      throw new Error(`replicas ${JSON.stringify(states)}, wanted ${JSON.stringify(wanted)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
