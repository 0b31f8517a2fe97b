import { useApiData } from "../api/api-context.js";
import { ErrorNotice } from "../components/error-notice.js";
import { GatewayCard } from "../components/gateway-card.js";
import { Loading } from "../components/loading.js";
import { useI18n } from "../i18n/i18n.js";

export function FederationView() {
  const { t, time } = useI18n();
  const { data, error, loading, reload } = useApiData((api) => api.federation(), "federation");
  return (
    <div class="view">
      <header class="view-head">
        <h1>{t("fed.title")}</h1>
        <div class="view-tools">
          {data === undefined ? null : (
            <span class="muted small">{t("fed.checkedAt", { time: time(data.checkedAt) })}</span>
          )}
          <button type="button" class="button" onClick={reload} disabled={loading}>
            {t("fed.reload")}
          </button>
        </div>
      </header>
      {error === undefined ? null : <ErrorNotice error={error} onRetry={reload} />}
      {data === undefined ? (
        loading ? (
          <Loading />
        ) : null
      ) : data.gateways.length === 0 ? (
        <p class="muted">{t("fed.empty")}</p>
      ) : (
        <div class="card-grid">
          {data.gateways.map((g) => (
            <GatewayCard key={g.party} gateway={g} />
          ))}
        </div>
      )}
    </div>
  );
}
