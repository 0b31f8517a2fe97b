import { useI18n } from "../i18n/i18n.js";

/** uses / limit as a small bar; a limit of 0 means no limit (docs/grants.md). */
export function UsageBar({ uses, limit }: { uses: number; limit: number }) {
  const { t } = useI18n();
  if (limit <= 0) return <span class="usage-text">{t("grants.unlimited", { uses })}</span>;
  const ratio = Math.min(1, uses / limit);
  const tone = ratio >= 1 ? "bad" : ratio >= 0.8 ? "warn" : "ok";
  return (
    <span class="usage" title={`${uses} / ${limit}`}>
      <span class="usage-track" aria-hidden="true">
        <span class={`usage-fill usage-${tone}`} style={{ width: `${ratio * 100}%` }} />
      </span>
      <span class="usage-text">
        {uses} / {limit}
      </span>
    </span>
  );
}
