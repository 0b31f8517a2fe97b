import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HutongClient } from "@hutong/client";
import { isWireError, Status } from "@hutong/client";
import { RequestAuthenticator } from "@hutong/partner-http";
import {
  CheckStatus,
  GrantBody,
  GrantServiceService,
  Purpose,
  SaleStatus,
  SignedGrant,
  ThroughTicketServiceService,
  Ticket,
  TicketServiceService,
} from "@hutong/proto";
import {
  connectorPaths,
  partnerCodes,
  type RoadLegStatusRequest,
  type RoadLegTicketRequest,
} from "../protocol/partner-api.js";
import { partnerHeaders } from "../protocol/partner-headers.js";

// The connector's own API for its partner (the other direction of "status queries both ways"):
// the partner, signed with its app key, asks where a journey's road leg stands, and, under the
// passenger's grant (PIPL Art. 23: separate consent to provide to another handler), fetches the
// road leg's ticket for its through itinerary. Each becomes a call into the federation under the
// partner's party, authorised, minimised and audited by the gateways like any share.

export interface PartnerInboundOptions {
  readonly host: string;
  readonly port: number;
  readonly appKey: string;
  readonly appSecretHex: string;
  /** The partner's session into the federation (through the hosting gateway). */
  readonly client: () => HutongClient;
  readonly ticketing: string;
  readonly now: () => number;
}

export interface PartnerInbound {
  readonly port: number;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly code: string;
  readonly msg: string;
  readonly data?: unknown;
}

const callTimeoutMs = 10_000;
const ok = (data: unknown): Reply => ({ status: 200, code: partnerCodes.ok, msg: "ok", data });
const bad = (msg: string): Reply => ({ status: 400, code: partnerCodes.malformed, msg });

/** A refusal from inside the federation, in the partner's terms; no backend detail crosses. */
function refusal(e: unknown): Reply {
  if (!isWireError(e)) throw e;
  if (e.code === Status.PERMISSION_DENIED || e.code === Status.UNAUTHENTICATED) {
    return { status: 403, code: "2003", msg: "refused: no valid grant or not allowed" };
  }
  if (e.code === Status.NOT_FOUND) return { status: 200, code: partnerCodes.notFound, msg: "not found" };
  // A grant the owner's gateway cannot take (malformed, expired, used up) is the partner's to fix.
  if (e.code === Status.INVALID_ARGUMENT || e.code === Status.FAILED_PRECONDITION) {
    return { status: 400, code: partnerCodes.malformed, msg: "refused: the request or its grant is not acceptable" };
  }
  return { status: 502, code: "5002", msg: "the federation did not answer" };
}

export async function startPartnerInbound(options: PartnerInboundOptions): Promise<PartnerInbound> {
  const auth = new RequestAuthenticator({
    appKeys: { [options.appKey]: options.appSecretHex },
    headers: partnerHeaders,
    codes: partnerCodes,
  });
  const context = (targetParty: string, purpose: Purpose, grantId = "") => ({
    targetParty,
    purpose,
    grantId,
    correlationId: "",
  });

  // Every call into the federation has a deadline: a partner's request never hangs on a hop.
  const within = () => ({ deadline: options.now() + callTimeoutMs });

  async function roadLeg(req: RoadLegStatusRequest) {
    return options.client().unary(
      ThroughTicketServiceService.queryRoadLeg,
      {
        context: context(options.ticketing.replace("{province}", req.province), Purpose.PURPOSE_RECONCILIATION),
        journeyId: req.journeyId,
      },
      within(),
    );
  }

  async function answer(path: string, body: unknown): Promise<Reply> {
    if (typeof body !== "object" || body === null || Array.isArray(body)) return bad("a JSON object");
    const req = body as Partial<RoadLegTicketRequest>;
    if (typeof req.journeyId !== "string" || !/^[0-9A-Za-z_-]{1,64}$/.test(req.journeyId)) return bad("journeyId");
    if (typeof req.province !== "string" || !/^\d{2}0000$/.test(req.province)) return bad("province: 6 digits");
    const asked = { journeyId: req.journeyId, province: req.province };
    try {
      const r = await roadLeg(asked);
      if (path === connectorPaths.roadLegStatus) {
        return ok({
          found: r.found,
          ticketNo: r.ticketNo,
          saleStatus: SaleStatus[r.saleStatus] ?? "",
          checkStatus: CheckStatus[r.checkStatus] ?? "",
        });
      }
      if (typeof req.grant !== "string" || req.grant === "") return bad("grant: the passenger's signed grant, base64");
      if (!r.found) return { status: 200, code: partnerCodes.notFound, msg: "no road leg" };
      let grant: SignedGrant;
      try {
        grant = SignedGrant.decode(Buffer.from(req.grant, "base64"));
      } catch {
        return bad("grant: not a signed grant");
      }
      // The passenger's consent is for this road leg (minimum necessary): a grant that does not
      // name it is not used here, whatever else it covers.
      let named: boolean;
      try {
        named = GrantBody.decode(grant.body).recordIds.includes(r.ticketNo);
      } catch {
        named = false;
      }
      if (!named) return { status: 403, code: "2003", msg: "refused: the grant does not name this road leg" };
      const registered = await options
        .client()
        .unary(
          GrantServiceService.registerGrant,
          { context: context(`prov:${req.province}`, Purpose.PURPOSE_THROUGH_TICKET), grant },
          within(),
        );
      const got = await options.client().unary(
        TicketServiceService.getTicket,
        {
          context: context(
            options.ticketing.replace("{province}", req.province),
            Purpose.PURPOSE_THROUGH_TICKET,
            registered.record?.grantId ?? "",
          ),
          ticketNo: r.ticketNo,
          annotate: false,
        },
        within(),
      );
      return ok({ ticket: got.ticket === undefined ? null : Ticket.toJSON(got.ticket) });
    } catch (e) {
      return refusal(e);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > 1 << 20) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(c);
    }
    const bytes = Buffer.concat(chunks);
    const path = req.url ?? "";
    let reply: Reply;
    if (req.method !== "POST" || !Object.values(connectorPaths).includes(path as never)) {
      reply = { status: 404, code: partnerCodes.malformed, msg: "no such path" };
    } else {
      const refused = auth.check("POST", path, req.headers, bytes, options.now());
      if (refused !== undefined) reply = { status: 401, ...refused };
      else {
        let body: unknown;
        try {
          body = JSON.parse(bytes.toString("utf8"));
        } catch {
          body = undefined;
        }
        reply = body === undefined ? bad("a JSON body") : await answer(path, body);
      }
    }
    const { status, ...envelope } = reply;
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(envelope));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
