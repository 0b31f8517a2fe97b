// The receiving process of the outbox kill test (outbox-kill.spec.ts):
//   node --conditions=hutong-source --import tsx testing-outbox-receiver.ts '{"dbPath": ..., "port": 0}'
// A gRPC server (@hutong/wire) with one method. Each message it receives is applied into its own
// SQLite database through the inbox (idempotency key and effect in one transaction, synchronous =
// FULL) and only then answered OK, so a message whose answer is lost and that comes again is
// absorbed. Messages that arrive while a commit runs are applied together in the next one (group
// commit: one fsync for many, as a real receiver under load would). The test SIGKILLs it at random
// moments and starts it again on the same port.
import { createWireServer } from "@hutong/wire";
import Database from "better-sqlite3";
import { createSqliteInbox } from "../store/sqlite/sqlite-inbox.js";
import { type KillTestMessage, killTestPath, type ReceiverArgs, receiverSchema } from "./testing-outbox-kill.js";

const args = JSON.parse(process.argv[2] ?? "{}") as ReceiverArgs;
const db = new Database(args.dbPath);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("busy_timeout = 10000");
db.exec(receiverSchema);
const inbox = createSqliteInbox(db);
const count = db.prepare("UPDATE received SET count = count + 1 WHERE id = 1");
const apply = db.prepare("INSERT INTO applied (n, ordering_key) VALUES (?, ?)");
const receive = db.transaction((batch: readonly KillTestMessage[]) => {
  for (const m of batch) {
    count.run();
    if (inbox.record("kill-test-sender", m.idempotencyKey, Date.now())) apply.run(m.n, m.orderingKey);
  }
});

let queue: { m: KillTestMessage; done: (e?: unknown) => void }[] = [];
function commitQueued(): void {
  const batch = queue;
  queue = [];
  try {
    receive.immediate(batch.map((b) => b.m));
  } catch (e) {
    for (const b of batch) b.done(e);
    return;
  }
  for (const b of batch) b.done();
}
/** Resolves once the message's transaction has committed (and is on disk). */
function applyDurably(m: KillTestMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (queue.length === 0) setImmediate(commitQueued);
    queue.push({ m, done: (e) => (e === undefined ? resolve() : reject(e)) });
  });
}

const server = createWireServer({
  resolve: (path) =>
    path === killTestPath
      ? {
          kind: "unary",
          handler: async (call) => {
            await applyDurably(JSON.parse(call.body.toString("utf8")) as KillTestMessage);
            // Committed and on disk before the answer leaves.
            return { body: Buffer.alloc(0) };
          },
        }
      : undefined,
});
const address = await server.listen("127.0.0.1", args.port);
process.stdout.write(`listening ${address.port}\n`);
process.once("SIGTERM", () => {
  void server.close(100).then(() => {
    db.close();
    process.exit(0);
  });
});
