import { useState } from "preact/hooks";
import { useApiData } from "../api/api-context.js";
import { ErrorNotice } from "../components/error-notice.js";
import { GrantTable } from "../components/grant-table.js";
import { Loading } from "../components/loading.js";
import { UnavailableNotices } from "../components/unavailable-notices.js";
import { useI18n } from "../i18n/i18n.js";

const statuses = ["active", "used-up", "expired", "revoked"] as const;

export function GrantsView() {
  const { t } = useI18n();
  const [status, setStatus] = useState("");
  const { data, error, loading, reload } = useApiData((api) => api.grants(status), `grants:${status}`);
  return (
    <div class="view">
      <header class="view-head">
        <h1>{t("grants.title")}</h1>
        <div class="view-tools">
          <label class="field field-inline">
            <span>{t("grants.status")}</span>
            <select data-testid="grant-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">{t("grants.allStatuses")}</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {t(`grantStatus.${s}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
      </header>
      {error === undefined ? null : <ErrorNotice error={error} onRetry={reload} />}
      {data === undefined ? (
        loading ? (
          <Loading />
        ) : null
      ) : (
        <section class="card" aria-busy={loading}>
          <UnavailableNotices unavailable={data.unavailable} />
          {data.limited.map((gateway) => (
            <div class="notice notice-warn" data-testid="grants-limited" data-gateway={gateway} key={gateway}>
              {t("grants.limited", { gateway, limit: data.perGateway })}
            </div>
          ))}
          {data.grants.length === 0 ? (
            <div class="empty" data-testid="grants-empty">
              {t("grants.empty")}
            </div>
          ) : (
            <GrantTable grants={data.grants} />
          )}
        </section>
      )}
    </div>
  );
}
