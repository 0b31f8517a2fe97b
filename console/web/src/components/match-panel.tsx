import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { AuditEntryView, CorrelationView } from "../../../src/api/api-types.js";
import { useApi } from "../api/api-context.js";
import { useI18n } from "../i18n/i18n.js";
import { judgeSides, type MatchState, type ProvenMatch, type SideProofState } from "../verify/match-sides.js";
import { escapeForDisplay } from "../verify/party-id.js";
import { DecisionBadge } from "./audit-table.js";
import { Badge, type Tone } from "./badge.js";
import { DataTable } from "./data-table.js";
import { ErrorNotice } from "./error-notice.js";
import { currentPins } from "./key-pins.js";
import { proveSides } from "./prove-entry.js";
import { ShortHex } from "./short-hex.js";

type State =
  | { readonly step: "idle" }
  | { readonly step: "working" }
  | { readonly step: "error"; readonly error: unknown }
  | { readonly step: "done"; readonly view: CorrelationView; readonly judged: ProvenMatch };

/**
 * 对照两端: every gateway's entry for the call, the server's match, and the page's own, which
 * counts a side only once its inclusion proof is checked in the page: "consistent" needs every
 * side proven under a pinned key.
 */
export function MatchPanel({ entry }: { entry: AuditEntryView }) {
  const { t } = useI18n();
  const api = useApi();
  const [state, setState] = useState<State>({ step: "idle" });
  // A result belongs to the entry it was computed for: another entry shown here starts afresh,
  // and an answer still in flight for the previous one is dropped.
  const shown = useRef(entry);
  useEffect(() => {
    shown.current = entry;
    setState({ step: "idle" });
  }, [entry]);
  if (entry.correlationId === "") return <p class="muted">{t("entry.noCorrelation")}</p>;

  const run = async () => {
    setState({ step: "working" });
    try {
      const view = await api.correlation(entry.correlationId);
      const proofs = await proveSides(api, view.entries, currentPins());
      const judged = judgeSides(view.entries, proofs, view.match.consistent);
      if (shown.current === entry) setState({ step: "done", view, judged });
    } catch (error) {
      if (shown.current === entry) setState({ step: "error", error });
    }
  };

  return (
    <div class="panel-block">
      <button type="button" class="button" data-testid="match-sides" onClick={run} disabled={state.step === "working"}>
        {state.step === "working" ? t("entry.matching") : t("entry.match")}
      </button>
      {state.step === "error" ? <ErrorNotice error={state.error} /> : null}
      {state.step === "done" ? <MatchResult view={state.view} judged={state.judged} /> : null}
    </div>
  );
}

/** Fields the sides must agree on, highlighted where a side differs from the owner's. */
const compared = ["decision", "releasedSm3Hex", "method", "subjectDigestHex"] as const;

const stateTone: Readonly<Record<MatchState, Tone>> = { consistent: "ok", unproven: "neutral", mismatch: "bad" };
const stateClass: Readonly<Record<MatchState, string>> = {
  consistent: "result result-ok",
  unproven: "result result-neutral",
  mismatch: "result result-bad",
};
const stateIcon: Readonly<Record<MatchState, string>> = { consistent: "✓", unproven: "?", mismatch: "✕" };
const proofTone: Readonly<Record<SideProofState, Tone>> = {
  verified: "ok",
  "server-key": "neutral",
  refused: "bad",
  unavailable: "warn",
};

function MatchResult({ view, judged }: { view: CorrelationView; judged: ProvenMatch }) {
  const { t, time, label } = useI18n();
  const verdict = (s: MatchState) =>
    s === "consistent" ? t("match.consistent") : s === "unproven" ? t("match.unproven") : t("match.mismatch");
  const owner = view.entries.find((e) => e.role === "owner");
  const differs = (e: AuditEntryView, field: (typeof compared)[number]) =>
    owner !== undefined &&
    e !== owner &&
    e[field] !== owner[field] &&
    !(field === "subjectDigestHex" && e[field] === "");
  const key = (gateway: string, index: number) => `${gateway}#${index}`;
  // Entries the page does not trust: shown fields not those of their own bytes, or a failed proof.
  const untrusted = new Map(
    judged.match.problems
      .filter((p) => p.problem === "served-entry-mismatch" || p.problem === "proof-refused")
      .map((p) => [key(p.gateway, p.index), p.problem] as const),
  );
  const cell = (e: AuditEntryView, field: (typeof compared)[number], content: ComponentChildren) => (
    <td class={differs(e, field) ? "cell-bad" : undefined}>{content}</td>
  );
  return (
    <div class={stateClass[judged.state]} data-testid="match-result" data-state={judged.state}>
      <div class="result-head">
        <span class="result-icon" aria-hidden="true">
          {stateIcon[judged.state]}
        </span>
        <strong>{t("match.title", { id: escapeForDisplay(view.correlationId) })}</strong>
        <span>{verdict(judged.state)}</span>
      </div>
      {judged.state === "unproven" ? <p>{t("match.unprovenText")}</p> : null}
      <div class="match-verdicts">
        <div data-testid="match-server" data-state={view.match.consistent ? "consistent" : "mismatch"}>
          <span class="muted">{t("match.server")}:</span>{" "}
          <Badge tone={view.match.consistent ? "ok" : "bad"}>
            {view.match.consistent ? t("match.consistent") : t("match.mismatch")}
          </Badge>
          {view.match.problems.map((p) => (
            <Badge tone="bad" key={p}>
              {escapeForDisplay(label("problem", p))}
            </Badge>
          ))}
        </div>
        <div data-testid="match-page" data-state={judged.page}>
          <span class="muted">{t("match.page")}:</span>{" "}
          <Badge tone={stateTone[judged.page]}>{verdict(judged.page)}</Badge>
          {judged.match.problems.map((p, i) => (
            <Badge tone="bad" key={`${p.problem}-${i}`}>
              {p.index >= 0 || p.gateway !== ""
                ? t("match.problemAt", {
                    problem: t(`problem.${p.problem}`),
                    gateway: escapeForDisplay(p.gateway),
                    index: p.index >= 0 ? p.index : "—",
                  })
                : t(`problem.${p.problem}`)}
            </Badge>
          ))}
        </div>
      </div>
      {view.entries.length === 0 ? (
        <p class="muted">{t("match.noEntries")}</p>
      ) : (
        <DataTable
          variant="table-sides"
          columns={[
            t("entry.field.gateway"),
            t("entry.field.role"),
            t("match.proof"),
            t("entry.field.decision"),
            t("entry.field.released"),
            t("entry.field.method"),
            t("entry.field.subjectDigest"),
            t("entry.field.reason"),
            t("entry.field.time"),
          ]}
        >
          {view.entries.map((e, i) => {
            const proof = judged.proofs[i];
            const proofState = proof?.state ?? "unavailable";
            const bad = untrusted.get(key(e.gateway, e.index));
            return (
              <tr
                key={`${key(e.gateway, e.index)}-${i}`}
                class={bad === undefined ? undefined : "row-bad"}
                data-testid="side-row"
                data-gateway={e.gateway}
                data-role={e.role}
                data-proof={proofState}
              >
                <td class="nowrap">
                  <code>{escapeForDisplay(e.gateway)}</code> <span class="muted small">#{e.index}</span>
                  {bad === undefined ? null : <Badge tone="bad">{t(`problem.${bad}`)}</Badge>}
                </td>
                <td>{t(`entry.role.${e.role}`)}</td>
                <td>
                  <Badge
                    tone={proofTone[proofState]}
                    title={proof === undefined ? undefined : escapeForDisplay(proof.detail)}
                  >
                    {t(`match.proof.${proofState}`)}
                    {proof?.state === "refused" && proof.reason !== undefined
                      ? ` · ${label("refusal", proof.reason)}`
                      : ""}
                  </Badge>
                </td>
                {cell(e, "decision", <DecisionBadge decision={e.decision} />)}
                {cell(e, "releasedSm3Hex", <ShortHex hex={e.releasedSm3Hex} />)}
                {cell(e, "method", <span class="small">{escapeForDisplay(e.method)}</span>)}
                {cell(e, "subjectDigestHex", <ShortHex hex={e.subjectDigestHex} />)}
                <td>
                  <code class="small">{escapeForDisplay(e.reason)}</code>
                </td>
                <td class="nowrap">{time(e.time)}</td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </div>
  );
}
