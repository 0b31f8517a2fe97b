import { useI18n } from "../i18n/i18n.js";
import { Badge } from "./badge.js";

/** Days left on a certificate or CRL: amber within 30 days, red once expired. */
export function ExpiryBadge({ daysLeft, until }: { daysLeft: number; until: string }) {
  const { t } = useI18n();
  const expired = daysLeft < 0 || Date.parse(until) < Date.now();
  if (expired) {
    return (
      <Badge tone="bad" testId="expiry" data={{ state: "expired" }}>
        {t("fed.expired")}
      </Badge>
    );
  }
  const soon = daysLeft <= 30;
  return (
    <Badge tone={soon ? "warn" : "ok"} testId="expiry" data={{ state: soon ? "soon" : "ok" }}>
      {t("fed.daysLeft", { n: daysLeft })}
    </Badge>
  );
}
