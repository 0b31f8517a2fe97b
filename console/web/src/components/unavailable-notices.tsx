import { useI18n } from "../i18n/i18n.js";

/** Gateways a listing could not reach: the rest of the answer is partial, and says so. */
export function UnavailableNotices({
  unavailable,
}: {
  unavailable: readonly { readonly gateway: string; readonly error: string }[];
}) {
  const { t } = useI18n();
  if (unavailable.length === 0) return null;
  return (
    <div class="stack-small">
      {unavailable.map((u) => (
        <div class="notice notice-warn" data-testid="gateway-unavailable" data-gateway={u.gateway} key={u.gateway}>
          {t("unavailable.gateway", { gateway: u.gateway, error: u.error })}
        </div>
      ))}
    </div>
  );
}
