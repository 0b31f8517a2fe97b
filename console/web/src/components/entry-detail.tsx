import type { ComponentChildren } from "preact";
import type { AuditEntryView } from "../../../src/api/api-types.js";
import { useI18n } from "../i18n/i18n.js";
import { escapeForDisplay } from "../verify/party-id.js";
import { DecisionBadge } from "./audit-table.js";
import { HopChain } from "./hop-chain.js";
import { MatchPanel } from "./match-panel.js";
import { ProofPanel } from "./proof-panel.js";
import { ShortHex } from "./short-hex.js";

/**
 * One audit entry: every field as the server showed it, the route, and the two checks (the match
 * only where the role may read a correlation: not a holder's).
 */
export function EntryDetail({
  entry,
  onClose,
  match = true,
}: {
  entry: AuditEntryView;
  onClose: () => void;
  match?: boolean;
}) {
  const { t, time, label } = useI18n();
  const row = (name: Parameters<typeof t>[0], value: ComponentChildren) => (
    <>
      <dt>{t(name)}</dt>
      <dd>{value}</dd>
    </>
  );
  // Text from the server with anything invisible or lookalike escaped (party-id.ts).
  const code = (v: string) => (v === "" ? <span class="muted">—</span> : <code>{escapeForDisplay(v)}</code>);
  const title = t("entry.title", { gateway: escapeForDisplay(entry.gateway), index: entry.index });
  return (
    <section class="card entry-detail" data-testid="entry-detail" aria-label={title}>
      <header class="card-head">
        <h2>{title}</h2>
        <button type="button" class="button button-small" onClick={onClose}>
          {t("app.close")}
        </button>
      </header>
      <div class="entry-route">
        <h3>{t("entry.route")}</h3>
        <HopChain requester={entry.requesterParty} hops={entry.hops} gateway={entry.gateway} owner={entry.ownerParty} />
      </div>
      <dl class="fields">
        {row("entry.field.time", <span title={entry.time}>{time(entry.time)}</span>)}
        {row("entry.field.gateway", code(entry.gateway))}
        {row("entry.field.index", entry.index)}
        {row("entry.field.role", t(`entry.role.${entry.role}`))}
        {row("entry.field.method", code(entry.method))}
        {row("entry.field.requester", code(entry.requesterParty))}
        {row("entry.field.peer", code(entry.peerParty))}
        {row("entry.field.owner", code(entry.ownerParty))}
        {row("entry.field.recordKind", label("recordKind", entry.recordKind))}
        {row("entry.field.recordDigest", <ShortHex hex={entry.recordDigestHex} head={24} />)}
        {row("entry.field.subjectDigest", <ShortHex hex={entry.subjectDigestHex} head={24} />)}
        {row("entry.field.grant", code(entry.grantId))}
        {row("entry.field.purpose", label("purpose", entry.purpose))}
        {row("entry.field.decision", <DecisionBadge decision={entry.decision} />)}
        {row("entry.field.reason", code(entry.reason))}
        {row(
          "entry.field.hops",
          entry.hops.length === 0 ? t("app.none") : <code>{entry.hops.map(escapeForDisplay).join(" → ")}</code>,
        )}
        {row("entry.field.released", <ShortHex hex={entry.releasedSm3Hex} head={24} />)}
        {row(
          "entry.field.fields",
          entry.fieldsReleased.length === 0 ? t("app.none") : code(entry.fieldsReleased.join(", ")),
        )}
        {row("entry.field.trace", code(entry.traceId))}
        {row("entry.field.correlation", code(entry.correlationId))}
      </dl>
      <div class="entry-checks">
        <ProofPanel entry={entry} key={`proof-${entry.gateway}#${entry.index}`} />
        {match ? <MatchPanel entry={entry} key={`match-${entry.gateway}#${entry.index}`} /> : null}
      </div>
    </section>
  );
}
