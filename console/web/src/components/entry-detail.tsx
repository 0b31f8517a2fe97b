import type { ComponentChildren } from "preact";
import type { AuditEntryView } from "../../../src/api/api-types.js";
import { useI18n } from "../i18n/i18n.js";
import { DecisionBadge } from "./audit-table.js";
import { HopChain } from "./hop-chain.js";
import { MatchPanel } from "./match-panel.js";
import { ProofPanel } from "./proof-panel.js";
import { ShortHex } from "./short-hex.js";

/** One audit entry: every field as the server showed it, the route, and the two checks. */
export function EntryDetail({ entry, onClose }: { entry: AuditEntryView; onClose: () => void }) {
  const { t, time, label } = useI18n();
  const row = (name: Parameters<typeof t>[0], value: ComponentChildren) => (
    <>
      <dt>{t(name)}</dt>
      <dd>{value}</dd>
    </>
  );
  const code = (v: string) => (v === "" ? <span class="muted">—</span> : <code>{v}</code>);
  return (
    <section
      class="card entry-detail"
      data-testid="entry-detail"
      aria-label={t("entry.title", { gateway: entry.gateway, index: entry.index })}
    >
      <header class="card-head">
        <h2>{t("entry.title", { gateway: entry.gateway, index: entry.index })}</h2>
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
        {row("entry.field.hops", entry.hops.length === 0 ? t("app.none") : code(entry.hops.join(" → ")))}
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
        <MatchPanel entry={entry} key={`match-${entry.gateway}#${entry.index}`} />
      </div>
    </section>
  );
}
