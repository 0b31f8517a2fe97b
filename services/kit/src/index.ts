// @hutong/service-kit: what every reference service behind a gateway needs.
export { gatewayTopic } from "./gateway-topic.js";
export { applyTransition, type LifecycleState, stateOf, type TransitionOutcome } from "./lifecycle.js";
export { openSqliteDatabase } from "./open-sqlite.js";
export { pick, seededRandom } from "./seeded-random.js";
export {
  addUnaryService,
  type CallFacts,
  listen,
  type RefusalOf,
  type ServiceLog,
  type ServiceRefusal,
  type UnaryHandler,
} from "./unary-service.js";
