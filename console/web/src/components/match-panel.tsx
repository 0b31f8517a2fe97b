import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { AuditEntryView, CorrelationView } from "../../../src/api/api-types.js";
import { useApi } from "../api/api-context.js";
import { useI18n } from "../i18n/i18n.js";
import { matchSides, type SideMatch } from "../verify/match-sides.js";
import { DecisionBadge } from "./audit-table.js";
import { Badge } from "./badge.js";
import { ErrorNotice } from "./error-notice.js";
import { ShortHex } from "./short-hex.js";

type State =
  | { readonly step: "idle" }
  | { readonly step: "working" }
  | { readonly step: "error"; readonly error: unknown }
  | { readonly step: "done"; readonly view: CorrelationView; readonly page: SideMatch };

/** 对照两端: every gateway's entry for the call, the server's match, and the page's own. */
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
      if (shown.current === entry) setState({ step: "done", view, page: matchSides(view.entries) });
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
      {state.step === "done" ? <MatchResult view={state.view} page={state.page} /> : null}
    </div>
  );
}

/** Fields the sides must agree on, highlighted where a side differs from the owner's. */
const compared = ["decision", "releasedSm3Hex", "method", "subjectDigestHex"] as const;

function MatchResult({ view, page }: { view: CorrelationView; page: SideMatch }) {
  const { t, time, label } = useI18n();
  // Consistent only if the server and the page both say so: either one finding a problem is shown.
  const consistent = view.match.consistent && page.consistent;
  const owner = view.entries.find((e) => e.role === "owner");
  const differs = (e: AuditEntryView, field: (typeof compared)[number]) =>
    owner !== undefined &&
    e !== owner &&
    e[field] !== owner[field] &&
    !(field === "subjectDigestHex" && e[field] === "");
  // Entries whose shown fields are not those of their own bytes: the page does not trust that row.
  const forged = new Set(
    page.problems.filter((p) => p.problem === "served-entry-mismatch").map((p) => `${p.gateway}#${p.index}`),
  );
  const cell = (e: AuditEntryView, field: (typeof compared)[number], content: ComponentChildren) => (
    <td class={differs(e, field) ? "cell-bad" : undefined}>{content}</td>
  );
  return (
    <div
      class={consistent ? "result result-ok" : "result result-bad"}
      data-testid="match-result"
      data-state={consistent ? "consistent" : "mismatch"}
    >
      <div class="result-head">
        <span class="result-icon" aria-hidden="true">
          {consistent ? "✓" : "✕"}
        </span>
        <strong>{t("match.title", { id: view.correlationId })}</strong>
        <span>{consistent ? t("match.consistent") : t("match.mismatch")}</span>
      </div>
      <div class="match-verdicts">
        <div data-testid="match-server" data-state={view.match.consistent ? "consistent" : "mismatch"}>
          <span class="muted">{t("match.server")}:</span>{" "}
          <Badge tone={view.match.consistent ? "ok" : "bad"}>
            {view.match.consistent ? t("match.consistent") : t("match.mismatch")}
          </Badge>
          {view.match.problems.map((p) => (
            <Badge tone="bad" key={p}>
              {label("problem", p)}
            </Badge>
          ))}
        </div>
        <div data-testid="match-page" data-state={page.consistent ? "consistent" : "mismatch"}>
          <span class="muted">{t("match.page")}:</span>{" "}
          <Badge tone={page.consistent ? "ok" : "bad"}>
            {page.consistent ? t("match.consistent") : t("match.mismatch")}
          </Badge>
          {page.problems.map((p, i) => (
            <Badge tone="bad" key={`${p.problem}-${i}`}>
              {p.index >= 0 || p.gateway !== ""
                ? t("match.problemAt", {
                    problem: t(`problem.${p.problem}`),
                    gateway: p.gateway,
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
        <div class="table-wrap">
          <table class="table table-sides">
            <thead>
              <tr>
                <th>{t("entry.field.gateway")}</th>
                <th>{t("entry.field.role")}</th>
                <th>{t("entry.field.decision")}</th>
                <th>{t("entry.field.released")}</th>
                <th>{t("entry.field.method")}</th>
                <th>{t("entry.field.subjectDigest")}</th>
                <th>{t("entry.field.reason")}</th>
                <th>{t("entry.field.time")}</th>
              </tr>
            </thead>
            <tbody>
              {view.entries.map((e) => (
                <tr
                  key={`${e.gateway}#${e.index}`}
                  class={forged.has(`${e.gateway}#${e.index}`) ? "row-bad" : undefined}
                  data-testid="side-row"
                  data-gateway={e.gateway}
                  data-role={e.role}
                >
                  <td class="nowrap">
                    <code>{e.gateway}</code> <span class="muted small">#{e.index}</span>
                    {forged.has(`${e.gateway}#${e.index}`) ? (
                      <Badge tone="bad">{t("problem.served-entry-mismatch")}</Badge>
                    ) : null}
                  </td>
                  <td>{t(`entry.role.${e.role}`)}</td>
                  {cell(e, "decision", <DecisionBadge decision={e.decision} />)}
                  {cell(e, "releasedSm3Hex", <ShortHex hex={e.releasedSm3Hex} />)}
                  {cell(e, "method", <span class="small">{e.method}</span>)}
                  {cell(e, "subjectDigestHex", <ShortHex hex={e.subjectDigestHex} />)}
                  <td>
                    <code class="small">{e.reason}</code>
                  </td>
                  <td class="nowrap">{time(e.time)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
