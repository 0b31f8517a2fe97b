import { useI18n } from "../i18n/i18n.js";

export function Loading() {
  const { t } = useI18n();
  return (
    <div class="loading" aria-busy="true">
      <span class="spinner" aria-hidden="true" />
      {t("app.loading")}
    </div>
  );
}
