import { type ConnectorKind, connectorKind, connectorTopic } from "@hutong/gateway/ports";
import { invoiceService } from "./invoice-service.js";
import { createTaxChannelConnector } from "./tax-channel-connector.js";
import { instructionSealer } from "./tax-instruction.js";
import { checkTaxSettings, readHexFile, type TaxSettings } from "./tax-settings.js";

/** The kind name `connectors.<name>.kind` uses. */
export const taxConnectorKindName = "tax-einvoice";

/**
 * The tax e-invoice connector: InvoiceService at the gateway for the channel's party, delivering
 * through the gateway's outbox topic `<name>-invoices`, ordered per calling party and ticket (a
 * ticket's reversal never overtakes its blue invoice).
 */
export const taxConnectorKind: ConnectorKind = connectorKind<TaxSettings>({
  kind: taxConnectorKindName,
  checkSettings: checkTaxSettings,
  async start(settings, host) {
    // A reversal's later try makes up to five calls in a row (whether it is done, the blue invoice
    // twice, the slip, the red invoice): the topic's deadline must hold them.
    if (host.policy.timeoutMs < 5 * settings.requestTimeoutMs) {
      throw new Error(
        `connectors.${host.name}: outbox.timeoutMs (${host.policy.timeoutMs}) must be at least 5 × settings.requestTimeoutMs (${settings.requestTimeoutMs})`,
      );
    }
    const sealer = instructionSealer(await readHexFile(settings.sealKeyFile, "sealKeyFile", 32));
    const channel = createTaxChannelConnector({
      party: settings.party,
      channel: {
        baseUrl: settings.baseUrl,
        appKey: settings.appKey,
        appSecret: await readHexFile(settings.appSecretFile, "appSecretFile"),
      },
      sealer,
      requestTimeoutMs: settings.requestTimeoutMs,
    });
    const topic = `${host.name}-invoices`;
    const call = invoiceService({
      party: settings.party,
      topic,
      channel,
      sealer,
      outbox: host.outbox,
      kick: host.kick,
      sellers: new Map(Object.entries(settings.sellers)),
    });
    return {
      party: settings.party,
      topics: [connectorTopic({ name: topic, connector: channel, ordering: "per-key", policy: host.policy })],
      call,
      async close() {},
    };
  },
});
