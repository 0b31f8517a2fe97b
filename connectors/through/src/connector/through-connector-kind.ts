import { type ConnectorKind, connectorKind } from "@hutong/gateway/ports";
import { ThroughTicketServiceService } from "@hutong/proto";
import { atRestSealer, connectGateway, gatewayTopic, readHexKey } from "@hutong/service-kit";
import { partnerHeaders } from "../protocol/partner-headers.js";
import { startNoticePump } from "./notice-pump.js";
import { startPartnerInbound } from "./partner-inbound.js";
import { partnerLegService } from "./partner-leg-service.js";
import { airProtocol, railProtocol } from "./partner-protocols.js";
import { checkThroughSettings, type ThroughSettings } from "./through-settings.js";

export const throughConnectorKindName = "through-ticket";

/**
 * A rail or air partner's connector (docs/connectors.md §4), hosted by a gateway that holds the
 * partner's certificate: the partner's leg notices pulled from its feed into the gateway's outbox
 * (topic `<name>-notices`, in order per journey) and delivered to the selling provinces' e-ticket
 * services under the partner's party; PartnerLegService answered from the partner; and the
 * partner's own calls (road-leg status, the road leg under the passenger's grant) taken on a port
 * of its own.
 */
export const throughConnectorKind: ConnectorKind = connectorKind<ThroughSettings>({
  kind: throughConnectorKindName,
  checkSettings: checkThroughSettings,
  async start(settings, host) {
    const secret = await readHexKey(settings.appSecretFile, (m) => new Error(m));
    // Notices name the passenger: sealed in the outbox, bound to their key.
    const sealer = atRestSealer(await readHexKey(settings.sealKeyFile, (m) => new Error(m)));
    const label = (key: string) => `leg-notice ${key}`;
    const channel = { baseUrl: settings.baseUrl, appKey: settings.appKey, appSecret: secret, headers: partnerHeaders };
    const protocol =
      settings.protocol === "rail" ? railProtocol(settings.party, channel) : airProtocol(settings.party, channel);
    // The partner's session into the federation, through the hosting gateway (which is not yet
    // listening: the session is made at the first call).
    const link = await connectGateway({
      address: settings.gateway.address,
      party: settings.gateway.party,
      chain: settings.identity.chain,
      key: settings.identity.key,
      anchors: [...settings.anchors],
      crls: [...settings.crls],
    });
    const topic = `${host.name}-notices`;
    const pump = startNoticePump({
      party: settings.party,
      protocol,
      topic,
      outbox: host.outbox,
      kick: host.kick,
      ticketing: settings.ticketing,
      seal: (payload, key) => sealer.seal(payload, label(key)),
      pageSize: settings.pageSize,
      pollIntervalMs: settings.pollIntervalMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      onProblem: (what) => host.logger.warn({ partner: settings.party, what }, "partner notice feed"),
    });
    let inbound: Awaited<ReturnType<typeof startPartnerInbound>>;
    try {
      inbound = await startPartnerInbound({
        host: settings.listen.host,
        port: settings.listen.port,
        appKey: settings.appKey,
        appSecretHex: Buffer.from(secret).toString("hex"),
        client: () => link.client,
        ticketing: settings.ticketing,
        now: host.now,
      });
    } catch (e) {
      await pump.close();
      link.close();
      throw e;
    }
    host.logger.info(
      { partner: settings.party, port: inbound.port },
      "through-ticket connector listening for its partner",
    );
    return {
      party: settings.party,
      topics: [
        gatewayTopic(
          topic,
          ThroughTicketServiceService.applyLegNotice.path,
          () => link.client,
          host.policy,
          (payload, key) => sealer.open(payload, label(key)),
        ),
      ],
      call: partnerLegService(protocol, settings.requestTimeoutMs),
      async close() {
        await pump.close();
        await inbound.close();
        link.close();
      },
    };
  },
});
