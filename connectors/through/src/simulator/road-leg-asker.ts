import { postSigned } from "@hutong/partner-http";
import {
  connectorPaths,
  type PartnerAnswer,
  type RoadLegStatusAnswer,
  type RoadLegStatusRequest,
} from "../protocol/partner-api.js";
import { partnerHeaders } from "../protocol/partner-headers.js";

// The partner's side of "status queries both ways": it asks the connector where the road leg of
// one of its journeys stands, signed with the app key the connector gave it.

/** Where the connector's API for the partner is, and the partner's credentials there. */
export interface ConnectorAccess {
  /** "http://127.0.0.1:PORT" (no trailing slash). */
  readonly baseUrl: string;
  readonly appKey: string;
  readonly appSecretHex: string;
  /** How long the partner waits for an answer; default 10 s. */
  readonly timeoutMs?: number;
}

export interface RoadLegReply {
  readonly status: number;
  /** The connector's envelope, undefined when its body was not one. */
  readonly answer: PartnerAnswer<RoadLegStatusAnswer> | undefined;
}

/** Asks the connector; throws when it does not answer at all (unreachable, reset, timed out). */
export function askRoadLeg(connector: ConnectorAccess, request: RoadLegStatusRequest): Promise<RoadLegReply> {
  const channel = {
    baseUrl: connector.baseUrl,
    appKey: connector.appKey,
    appSecret: Buffer.from(connector.appSecretHex, "hex"),
    headers: partnerHeaders,
  };
  return postSigned<RoadLegStatusAnswer>(channel, connectorPaths.roadLegStatus, request, {
    timeoutMs: connector.timeoutMs ?? 10_000,
  });
}
