// @hutong/service-kit: what every reference service behind a gateway needs.

export { type AtRestSealer, atRestSealer } from "./at-rest-seal.js";
export { beijingDay, beijingDayStart, beijingHour, dayInPeriod, isPeriod } from "./beijing-day.js";
export {
  configProblems,
  type GatewayLink,
  gatewayLink,
  listenAddress,
  type OutboxSettings,
  outboxSettings,
  partyId,
  resolveGatewayLink,
} from "./config-parts.js";
export {
  connectGateway,
  type GatewayConnection,
  readHexKey,
  serviceDispatcher,
  topicPolicyOf,
} from "./gateway-link.js";
export { gatewayTopic } from "./gateway-topic.js";
export { applyTransition, type LifecycleState, stateOf, type TransitionOutcome } from "./lifecycle.js";
export { openSqliteDatabase } from "./open-sqlite.js";
export { forEachLimited, type RepeatingTask, startRepeatingTask } from "./repeating-task.js";
export { pick, seededRandom } from "./seeded-random.js";
export { runServiceMain, type ServiceMain } from "./service-main.js";
export {
  addUnaryService,
  type CallFacts,
  listen,
  type RefusalOf,
  type ServiceLog,
  type ServiceRefusal,
  type UnaryHandler,
} from "./unary-service.js";
