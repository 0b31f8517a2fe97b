// The sending process of the outbox kill test (outbox-kill.spec.ts):
//   node --conditions=hutong-source --import tsx testing-outbox-sender.ts '<SenderArgs as JSON>'
// It records `total` facts, each an audit entry carrying its outbox message (one transaction, as
// a share that causes a notification would), and runs the outbox dispatcher, which delivers them
// over real gRPC (@hutong/wire's channel) to the receiver. Killed and started again at any
// moment, it records the facts not yet recorded (the log's size says how many are) and delivers
// whatever its outbox still holds.
import { sm3Hasher } from "@hutong/audit";
import { createWireChannel, isWireError, statusName } from "@hutong/wire";
import { createAuditLog } from "../audit/audit-log.js";
import { openStore } from "../store/open-store.js";
import { sampleEntry } from "../store/testing-stores.js";
import { createOutboxDispatcher } from "./outbox-dispatcher.js";
import type { OutboxTopic } from "./outbox-topic.js";
import {
  type KillTestMessage,
  killTestMessage,
  killTestPath,
  killTestTopic,
  type SenderArgs,
} from "./testing-outbox-kill.js";
import { defaultTopicPolicy } from "./topic-policy.js";

const args = JSON.parse(process.argv[2] ?? "{}") as SenderArgs;
const store = await openStore(args.location, { hash: "sm3" });
const log = createAuditLog({ store, hasher: sm3Hasher });
const channel = createWireChannel(args.address, { connectTimeoutMs: 500 });

const topic: OutboxTopic = {
  name: killTestTopic,
  ordering: "per-key",
  // Short numbers: a killed receiver is retried within milliseconds, a killed sender's leases run
  // out in 1.5 s. No message may die in this test, so the dead-letter limits are out of reach.
  policy: {
    ...defaultTopicPolicy,
    retryBaseMs: 10,
    retryCapMs: 300,
    maxAttempts: 1_000_000,
    maxAgeMs: 3_600_000,
    breakerThreshold: 5,
    breakerCoolDownMs: 200,
    timeoutMs: 1000,
  },
  async deliver(message, context) {
    const body: KillTestMessage = JSON.parse(Buffer.from(message.payload).toString("utf8"));
    try {
      await channel.unary(
        killTestPath,
        Buffer.from(JSON.stringify(body)),
        {},
        {
          deadline: context.deadline,
          signal: context.signal,
        },
      );
      return { kind: "delivered" };
    } catch (e) {
      return { kind: "retry", reason: isWireError(e) ? statusName(e.code) : "error" };
    }
  },
  close: () => channel.close(),
};

const dispatcher = createOutboxDispatcher({
  store,
  topics: [topic],
  concurrency: 32,
  pollIntervalMs: 50,
  leaseMarginMs: 500,
  name: `sender-${process.pid}`,
});
process.stdout.write(`dispatching ${process.pid}\n`);
process.once("SIGTERM", () => {
  void (async () => {
    await dispatcher.close();
    await log.close();
    await store.close();
    process.exit(0);
  })();
});
// Timers of an idle dispatcher do not hold the process; the test ends it.
setInterval(() => {}, 60_000);

// Facts 0 … size-1 are recorded (the log grows in call order, one batch at a time): go on from there.
const recorded = (await store.head()).size;
if (recorded > 0) {
  const last = await store.entry(recorded - 1);
  if (last?.correlationId !== `fact-${recorded - 1}`)
    throw new Error(`the log's last entry is not fact ${recorded - 1}`);
}
const chunk = 200;
for (let from = recorded; from < args.total; from += chunk) {
  const to = Math.min(args.total, from + chunk);
  await Promise.all(
    Array.from({ length: to - from }, (_, k) => {
      const n = from + k;
      const message = killTestMessage(n, args.keys);
      return log.append(sampleEntry(n, { correlationId: `fact-${n}` }), [
        {
          topic: killTestTopic,
          destination: "receiver",
          idempotencyKey: message.idempotencyKey,
          orderingKey: message.orderingKey,
          payload: new Uint8Array(Buffer.from(JSON.stringify(message))),
        },
      ]);
    }),
  );
  dispatcher.kick();
  process.stdout.write(`recorded ${to}\n`);
}
