import { isConfigError, isGatewayError } from "@hutong/gateway";
import { Command, CommanderError } from "commander";
import { annotationCommand } from "./annotation/annotation-command.js";
import { auditCommand } from "./audit/audit-command.js";
import { callCommand } from "./call/call-command.js";
import { consoleCommand } from "./console/console-command.js";
import { grantCommand } from "./grant/grant-command.js";
import { licenceCommand } from "./licence/licence-command.js";
import { outboxCommand } from "./outbox/outbox-command.js";
import { reportCommand } from "./report/report-command.js";
import { startCommand } from "./start/start-command.js";
import { UsageError } from "./support/usage-error.js";

const program = new Command("hutong")
  .description("hutong (互通): SM2-authenticated federated data-exchange gateway")
  .exitOverride()
  .addCommand(startCommand())
  .addCommand(callCommand())
  .addCommand(auditCommand())
  .addCommand(annotationCommand())
  .addCommand(grantCommand())
  .addCommand(licenceCommand())
  .addCommand(outboxCommand())
  .addCommand(reportCommand())
  .addCommand(consoleCommand());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  if (e instanceof UsageError) {
    console.error(`hutong: ${e.message}`);
    process.exit(2);
  }
  if (isConfigError(e) || isGatewayError(e)) {
    console.error(`hutong: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
