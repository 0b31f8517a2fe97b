import type { AuditEntryView } from "../../../src/api/api-types.js";
import { useI18n } from "../i18n/i18n.js";
import { escapeForDisplay } from "../verify/party-id.js";
import { Badge } from "./badge.js";
import { DataTable } from "./data-table.js";

export const entryKey = (e: AuditEntryView) => `${e.gateway}#${e.index}`;

/** "hutong.v1.TicketService/VerifyTicket" → "TicketService/VerifyTicket": the package adds nothing. */
const shortMethod = (m: string) => m.replace(/^hutong\.v1\./, "");

export function DecisionBadge({ decision }: { decision: AuditEntryView["decision"] }) {
  const { t } = useI18n();
  return (
    <Badge tone={decision === "allow" ? "ok" : decision === "deny" ? "bad" : "neutral"}>
      {t(`decision.${decision}`)}
    </Badge>
  );
}

function AuditRow({
  entry,
  selected,
  onSelect,
}: {
  entry: AuditEntryView;
  selected: boolean;
  onSelect: (e: AuditEntryView) => void;
}) {
  const { time, label } = useI18n();
  return (
    <tr
      class={selected ? "row-clickable row-selected" : "row-clickable"}
      data-testid="audit-row"
      data-gateway={entry.gateway}
      data-index={String(entry.index)}
      data-correlation={entry.correlationId}
      data-decision={entry.decision}
      tabIndex={0}
      aria-selected={selected}
      onClick={() => onSelect(entry)}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          onSelect(entry);
        }
      }}
    >
      <td class="nowrap" title={entry.time}>
        {time(entry.time)}
      </td>
      <td class="nowrap">
        <code>{escapeForDisplay(entry.gateway)}</code>
        <span class="muted small"> #{entry.index}</span>
      </td>
      <td class="method" title={entry.method}>
        {shortMethod(entry.method)}
      </td>
      <td class="nowrap">
        <code>{escapeForDisplay(entry.requesterParty)}</code> → <code>{escapeForDisplay(entry.ownerParty)}</code>
      </td>
      <td class="nowrap">{label("purpose", entry.purpose)}</td>
      <td>
        <DecisionBadge decision={entry.decision} />
      </td>
      <td class="nowrap">
        <code class="small">{entry.reason}</code>
      </td>
      <td>
        <code class="small">{entry.correlationId === "" ? "—" : entry.correlationId}</code>
      </td>
    </tr>
  );
}

/** The audit table: the explorer's results and the holder's "accesses to my data" alike. */
export function AuditTable({
  entries,
  selected,
  onSelect,
}: {
  entries: readonly AuditEntryView[];
  selected: string | undefined;
  onSelect: (e: AuditEntryView) => void;
}) {
  const { t } = useI18n();
  return (
    <DataTable
      columns={(["time", "gateway", "method", "parties", "purpose", "decision", "reason", "correlation"] as const).map(
        (c) => t(`audit.col.${c}`),
      )}
    >
      {entries.map((e) => (
        <AuditRow key={entryKey(e)} entry={e} selected={selected === entryKey(e)} onSelect={onSelect} />
      ))}
    </DataTable>
  );
}
