import { isApiRequestError } from "../api/api-request-error.js";
import { useI18n } from "../i18n/i18n.js";

/** An API failure as one readable sentence. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  let text: string;
  if (isApiRequestError(error)) {
    if (error.status === 0) text = t("error.network");
    else if (error.status === 403) text = t("error.forbidden", { message: error.message });
    else text = t("error.generic", { status: error.status, message: error.message });
  } else {
    text = error instanceof Error ? error.message : String(error);
  }
  return (
    <div class="notice notice-bad" role="alert" data-testid="error">
      <span>{text}</span>
      {onRetry === undefined ? null : (
        <button type="button" class="button button-small" onClick={onRetry}>
          {t("app.retry")}
        </button>
      )}
    </div>
  );
}
