import { sm3 } from "@hutong/certs";
import type { SqliteOutbox } from "@hutong/gateway/outbox";
import {
  ApplyMaintenanceRequest,
  Licence,
  LicenceEventKind,
  type MaintenanceDecision,
  type MaintenanceRequest,
  MaintenanceState,
  type MaintenanceStateCount,
  Purpose,
  SignedStatement,
} from "@hutong/proto";
import { type AtRestSealer, applyTransition } from "@hutong/service-kit";
import type Database from "better-sqlite3";
import { licenceLifecycle } from "../../licence-lifecycle.js";
import { LicensingError } from "../../licensing-error.js";
import { correctionProblem } from "../../maintenance/corrections.js";
import { type MaintenanceRecord, requestScope } from "../../maintenance/maintenance-status.js";

/** The outbox topic that sends an approved request to its province. */
export const maintenanceApplyTopic = "maintenance-apply";

interface Row {
  province: string;
  request_id: string;
  state: number;
  licence_ids: string;
  fields: string;
  history: string;
  request_sm3: Buffer;
  decision_sm3: Buffer | null;
  request: Buffer;
  decision: Buffer | null;
}

const record = (r: Row): MaintenanceRecord => ({
  province: r.province,
  requestId: r.request_id,
  state: r.state as MaintenanceState,
  licenceIds: JSON.parse(r.licence_ids) as string[],
  fields: JSON.parse(r.fields) as string[],
  history: JSON.parse(r.history) as MaintenanceRecord["history"],
  requestSm3: r.request_sm3,
  decisionSm3: r.decision_sm3 ?? undefined,
});

const label = (province: string, requestId: string) => `maint-${province}-${requestId}`;

/**
 * The library's data-maintenance requests on its SQLite database: the statements run inside the
 * caller's transaction (the library store's), so a decision and the message that carries it to
 * the province commit together.
 */
export function sqliteMaintenance(db: Database.Database, sealer: AtRestSealer, outbox: SqliteOutbox) {
  const q = {
    get: db.prepare("SELECT * FROM maintenance WHERE province = ? AND request_id = ?"),
    insert: db.prepare(
      `INSERT INTO maintenance (province, request_id, state, licence_ids, fields, history, request_sm3, request)
       VALUES (@province, @requestId, @state, @licenceIds, @fields, @history, @requestSm3, @request)`,
    ),
    decide: db.prepare(
      "UPDATE maintenance SET state = @state, history = @history, decision_sm3 = @decisionSm3, decision = @decision WHERE province = @province AND request_id = @requestId",
    ),
    applied: db.prepare("UPDATE maintenance SET state = ?, history = ? WHERE province = ? AND request_id = ?"),
    licence: db.prepare("SELECT province, status, sealed FROM licence WHERE licence_id = ?"),
    // The state is a column every step keeps current (noteApplied included): counted as it stands.
    countAll: db.prepare(
      "SELECT province, state, count(*) AS n FROM maintenance GROUP BY province, state ORDER BY province, state",
    ),
    countOne: db.prepare(
      "SELECT province, state, count(*) AS n FROM maintenance WHERE province = ? GROUP BY province, state ORDER BY province, state",
    ),
    appliedFor: db
      .prepare(
        "SELECT count(DISTINCT licence_id) FROM lib_event WHERE province = ? AND maintenance_id = ? AND applied_ms IS NOT NULL",
      )
      .pluck(),
  };
  const row = (province: string, requestId: string) => q.get.get(province, requestId) as Row | undefined;

  return {
    get(province: string, requestId: string): MaintenanceRecord | undefined {
      const r = row(province, requestId);
      return r === undefined ? undefined : record(r);
    },

    /** Requests per province and state (only those with any), by province then state. */
    count(province: string | undefined): MaintenanceStateCount[] {
      const rows = (province === undefined ? q.countAll.all() : q.countOne.all(province)) as {
        province: string;
        state: number;
        n: number;
      }[];
      return rows.map((r) => ({ province: r.province, state: r.state as MaintenanceState, count: r.n }));
    },

    /** Records a filed request after checking it names this province's licences and real items. */
    file(statement: SignedStatement, request: MaintenanceRequest, party: string, nowMs: number): MaintenanceRecord {
      const digest = Buffer.from(sm3(statement.body));
      const before = row(request.province, request.requestId);
      if (before !== undefined) {
        if (before.request_sm3.equals(digest)) return record(before);
        throw new LicensingError(
          "request-conflict",
          `province ${request.province} filed another request as ${request.requestId} before`,
        );
      }
      for (const c of request.corrections) {
        const held = q.licence.get(c.licenceId) as { province: string; status: number; sealed: Buffer } | undefined;
        if (held === undefined || held.province !== request.province) {
          throw new LicensingError(
            "not-found",
            `licence ${c.licenceId} is not province ${request.province}'s at the library`,
          );
        }
        // The correction is applied as a CHANGED event: a licence that event cannot apply to is refused now.
        const change = applyTransition(licenceLifecycle, LicenceEventKind.LICENCE_EVENT_KIND_CHANGED, {
          status: held.status,
        });
        if (!change.ok) throw new LicensingError("invalid-transition", `licence ${c.licenceId}: ${change.reason}`);
        const problem = correctionProblem(Licence.decode(sealer.open(held.sealed, c.licenceId)), c.field);
        if (problem !== undefined) throw new LicensingError("malformed", problem);
      }
      const scope = requestScope(request);
      const history = [{ state: MaintenanceState.MAINTENANCE_STATE_FILED, atMs: nowMs, party }];
      q.insert.run({
        province: request.province,
        requestId: request.requestId,
        state: MaintenanceState.MAINTENANCE_STATE_FILED,
        licenceIds: JSON.stringify(scope.licenceIds),
        fields: JSON.stringify(scope.fields),
        history: JSON.stringify(history),
        requestSm3: digest,
        request: sealer.seal(SignedStatement.encode(statement).finish(), label(request.province, request.requestId)),
      });
      return record(row(request.province, request.requestId) as Row);
    },

    /**
     * Records the ministry's decision on a filed request; an approval queues the request and the
     * decision for the province that applies it. Answers the record and the messages queued.
     */
    decide(
      statement: SignedStatement,
      decision: MaintenanceDecision,
      party: string,
      issuer: string,
      nowMs: number,
    ): { readonly record: MaintenanceRecord; readonly enqueued: number } {
      const r = row(decision.province, decision.requestId);
      if (r === undefined) {
        throw new LicensingError("not-found", `no request ${decision.requestId} of province ${decision.province}`);
      }
      if (!r.request_sm3.equals(Buffer.from(decision.requestSm3))) {
        throw new LicensingError("malformed", "the decision is about another version of the request (request_sm3)");
      }
      if (r.state !== MaintenanceState.MAINTENANCE_STATE_FILED) {
        throw new LicensingError(
          "invalid-transition",
          `request ${decision.requestId} is ${MaintenanceState[r.state]}, not awaiting a decision`,
        );
      }
      const state = decision.approved
        ? MaintenanceState.MAINTENANCE_STATE_APPROVED
        : MaintenanceState.MAINTENANCE_STATE_REJECTED;
      const history = [...(JSON.parse(r.history) as MaintenanceRecord["history"]), { state, atMs: nowMs, party }];
      q.decide.run({
        province: decision.province,
        requestId: decision.requestId,
        state,
        history: JSON.stringify(history),
        decisionSm3: Buffer.from(sm3(statement.body)),
        decision: Buffer.from(SignedStatement.encode(statement).finish()),
      });
      let enqueued = 0;
      if (decision.approved) {
        const key = label(decision.province, decision.requestId);
        const payload = ApplyMaintenanceRequest.encode({
          context: {
            targetParty: issuer,
            purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
            grantId: "",
            correlationId: key,
          },
          request: SignedStatement.decode(sealer.open(r.request, key)),
          decision: statement,
        }).finish();
        enqueued = outbox.enqueueOutbox(
          [
            {
              topic: maintenanceApplyTopic,
              destination: issuer,
              idempotencyKey: key,
              orderingKey: null,
              payload: sealer.seal(payload, key),
            },
          ],
          nowMs,
        ).enqueued;
      }
      return { record: record(row(decision.province, decision.requestId) as Row), enqueued };
    },

    /** After the library applied an event of `requestId`: the request is applied once every licence it names is. */
    noteApplied(province: string, requestId: string, party: string, nowMs: number): void {
      const r = row(province, requestId);
      if (r === undefined || r.state !== MaintenanceState.MAINTENANCE_STATE_APPROVED) return;
      const licences = JSON.parse(r.licence_ids) as string[];
      if ((q.appliedFor.get(province, requestId) as number) < licences.length) return;
      const history = [
        ...(JSON.parse(r.history) as MaintenanceRecord["history"]),
        { state: MaintenanceState.MAINTENANCE_STATE_APPLIED, atMs: nowMs, party },
      ];
      q.applied.run(MaintenanceState.MAINTENANCE_STATE_APPLIED, JSON.stringify(history), province, requestId);
    },
  };
}
