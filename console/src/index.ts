// @hutong/console: the web console's backend (docs/console.md): config, accounts, the HTTP API
// the page calls, and the composition root that starts it. The page itself is console/web.

export { addAccount, minPasswordLength, type NewAccount } from "./accounts/account-file.js";
export { type Account, type AccountStore, loadAccounts, parseAccounts } from "./accounts/account-store.js";
export { hashPassword, verifyPassword } from "./accounts/password-hash.js";
export type * from "./api/api-types.js";
export {
  type ConsoleConfig,
  type ConsoleGatewayConfig,
  loadConsoleConfig,
  parseConsoleConfig,
} from "./config/console-config.js";
export { ConsoleError, type ConsoleErrorCode, consoleErrorCodes, isConsoleError } from "./errors/console-error.js";
export { type ConsoleLog, silentConsoleLog, stderrConsoleLog } from "./http/console-log.js";
export { defaultWebRoot, type RunningConsole, type StartConsoleOptions, startConsole } from "./start-console.js";
