import { useState } from "preact/hooks";
import type { Me } from "../../../src/api/api-types.js";
import { useApi } from "../api/api-context.js";
import { isApiRequestError } from "../api/api-request-error.js";
import { useI18n } from "../i18n/i18n.js";

export function SignInView({ onSignedIn, initialError }: { onSignedIn: (me: Me) => void; initialError?: string }) {
  const { t, lang, setLang } = useI18n();
  const api = useApi();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(initialError);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const me = await api.signIn({ username, password });
      setPassword("");
      onSignedIn(me);
    } catch (err) {
      setError(
        isApiRequestError(err) && err.status === 401
          ? t("signIn.failed")
          : t("signIn.error", {
              message: isApiRequestError(err) && err.status === 0 ? t("error.network") : String((err as Error).message),
            }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="sign-in-page">
      <form class="sign-in card" onSubmit={submit} autoComplete="on">
        <div class="sign-in-brand">
          <span class="brand-mark brand-mark-large">{t("app.brand")}</span>
          <div>
            <h1>
              hutong <span class="muted">· {t("signIn.title")}</span>
            </h1>
            <p class="muted small">{t("signIn.subtitle")}</p>
          </div>
        </div>
        <label class="field">
          <span>{t("signIn.username")}</span>
          <input
            id="username"
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{t("signIn.password")}</span>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error === undefined ? null : (
          <div class="notice notice-bad" role="alert" data-testid="sign-in-error">
            {error}
          </div>
        )}
        <button type="submit" class="button button-primary button-block" data-testid="sign-in" disabled={busy}>
          {busy ? t("signIn.submitting") : t("signIn.submit")}
        </button>
        <div class="sign-in-foot">
          <span class="muted small">{t("signIn.notice")}</span>
          <button
            type="button"
            class="button button-link"
            data-testid="lang-switch"
            onClick={() => setLang(lang === "zh-CN" ? "en" : "zh-CN")}
          >
            {t("top.langSwitch")}
          </button>
        </div>
      </form>
    </div>
  );
}
