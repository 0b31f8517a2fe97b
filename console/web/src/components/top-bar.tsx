import type { Me } from "../../../src/api/api-types.js";
import { useI18n } from "../i18n/i18n.js";

export function TopBar({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const { t, lang, setLang } = useI18n();
  return (
    <header class="top-bar">
      <div class="brand">
        <span class="brand-mark">{t("app.brand")}</span>
        <span class="brand-name">hutong</span>
        <span class="brand-sub">{t("app.brandSub")}</span>
      </div>
      <div class="top-actions">
        <span class="me" data-testid="me">
          <span class="me-name">{me.displayName}</span>
          <span class="me-username">{me.username}</span>
          <span class="me-role">
            {t(`role.${me.role}`)} <code>{me.role}</code>
            {me.province === undefined ? null : <span class="me-province"> · {me.province}</span>}
          </span>
        </span>
        <button
          type="button"
          class="button button-ghost"
          data-testid="lang-switch"
          onClick={() => setLang(lang === "zh-CN" ? "en" : "zh-CN")}
        >
          {t("top.langSwitch")}
        </button>
        <button type="button" class="button button-ghost" data-testid="sign-out" onClick={onSignOut}>
          {t("top.signOut")}
        </button>
      </div>
    </header>
  );
}
