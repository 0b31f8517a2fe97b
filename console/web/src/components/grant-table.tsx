import type { GrantView } from "../../../src/api/api-types.js";
import { useI18n } from "../i18n/i18n.js";
import { Badge, type Tone } from "./badge.js";
import { DataTable } from "./data-table.js";
import { ShortHex } from "./short-hex.js";
import { UsageBar } from "./usage-bar.js";

const statusTone: Readonly<Record<GrantView["status"], Tone>> = {
  active: "ok",
  "used-up": "neutral",
  expired: "warn",
  revoked: "bad",
  unspecified: "neutral",
};

function GrantRow({ grant }: { grant: GrantView }) {
  const { t, time, label } = useI18n();
  return (
    <tr data-testid="grant-row" data-status={grant.status} data-grant-id={grant.grantId} data-gateway={grant.gateway}>
      <td class="break">
        <code>{grant.grantId}</code>
      </td>
      <td>
        <code>{grant.gateway}</code>
      </td>
      <td>
        <Badge tone={statusTone[grant.status]}>{t(`grantStatus.${grant.status}`)}</Badge>
        {grant.revokedAt === undefined ? null : (
          <div class="muted small nowrap">{t("grants.revokedAt", { time: time(grant.revokedAt) })}</div>
        )}
      </td>
      <td>
        <span class="muted small">{t(`grantor.${grant.grantorKind}`)}</span>
        <br />
        <code>{grant.grantorParty === "" ? "—" : grant.grantorParty}</code>
      </td>
      <td>
        <code>{grant.granteeParty}</code>
      </td>
      <td>
        <code>{grant.ownerParty}</code>
      </td>
      <td class="nowrap">
        {label("recordKind", grant.recordKind)}
        <br />
        <span class="muted small">{label("purpose", grant.purpose)}</span>
      </td>
      <td>
        <UsageBar uses={grant.uses} limit={grant.useLimit} />
      </td>
      <td class="nowrap small">
        {time(grant.notBefore)}
        <br />→ {time(grant.expiresAt)}
      </td>
      <td class="small">
        {grant.fieldsAllowed.length === 0 ? t("app.none") : <code>{grant.fieldsAllowed.join(", ")}</code>}
        <div class="muted small" title={t("entry.field.subjectDigest")}>
          <ShortHex hex={grant.subjectDigestHex} head={8} />
        </div>
      </td>
    </tr>
  );
}

export function GrantTable({ grants }: { grants: readonly GrantView[] }) {
  const { t } = useI18n();
  return (
    <DataTable
      columns={(
        ["id", "gateway", "status", "grantor", "grantee", "owner", "record", "uses", "validity", "fields"] as const
      ).map((c) => t(`grants.col.${c}`))}
    >
      {grants.map((g) => (
        <GrantRow key={`${g.gateway}/${g.grantId}`} grant={g} />
      ))}
    </DataTable>
  );
}
