import { createConnection, createServer, type Socket } from "node:net";

/**
 * A TCP relay that records every byte it passes, in both directions: what a packet capture, or a
 * proxy or load balancer between two parties, sees of their link. The target can be set after
 * the relay listens (a peer's address is often known only once it has started).
 */
export interface TcpRelay {
  /** "127.0.0.1:port" to connect to instead of the target. */
  readonly address: string;
  /** Where connections go: "host:port". */
  target: string | undefined;
  /** Everything sent towards the target, and everything that came back, over all connections. */
  captured(): { readonly toTarget: Buffer; readonly fromTarget: Buffer };
  /** Connections relayed so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpRelay(target?: string): Promise<TcpRelay> {
  const toTarget: Buffer[] = [];
  const fromTarget: Buffer[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const relay = { target };
  const server = createServer((client) => {
    const at = relay.target;
    if (at === undefined) {
      client.destroy();
      return;
    }
    connections++;
    const [host = "127.0.0.1", port = "0"] = at.split(/:(?=\d+$)/);
    const upstream = createConnection({ host, port: Number(port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => {
      toTarget.push(Buffer.from(chunk));
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      fromTarget.push(Buffer.from(chunk));
      client.write(chunk);
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    get target() {
      return relay.target;
    },
    set target(value) {
      relay.target = value;
    },
    captured: () => ({ toTarget: Buffer.concat(toTarget), fromTarget: Buffer.concat(fromTarget) }),
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
