// The public surface of the gateway configuration, for the CLI and the server wiring.
export { ConfigError, type ConfigErrorCode, configErrorCodes, isConfigError } from "./config-error.js";
export {
  type ConfigWatcher,
  type ConfigWatcherHandlers,
  type ConfigWatcherOptions,
  watchGatewayConfig,
} from "./config-watcher.js";
export {
  type GatewayConfig,
  type GatewayConfigFile,
  gatewayConfigSchema,
  parseGatewayConfig,
} from "./gateway-config.js";
export { loadGatewayConfig, parseGatewayConfigText, readGatewayConfigText } from "./load-config.js";
