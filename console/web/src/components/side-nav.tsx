import type { ViewName } from "../../../src/api/api-types.js";
import { hrefOf, navigate, viewOrder } from "../hash-route.js";
import { useI18n } from "../i18n/i18n.js";

const icons: Readonly<Record<ViewName, string>> = {
  federation: "◎",
  audit: "☰",
  grants: "✓",
  "my-data": "◉",
  delivery: "⇄",
  indicators: "▤",
};

/** Only the views the user's role may open (Me.views); the backend refuses the others anyway. */
export function SideNav({ views, current }: { views: readonly ViewName[]; current: string }) {
  const { t } = useI18n();
  return (
    <nav class="side-nav" aria-label="main">
      <ul>
        {viewOrder
          .filter((v) => views.includes(v))
          .map((v) => (
            <li key={v}>
              <a
                href={hrefOf(v)}
                data-testid={`nav-${v}`}
                class={current === v ? "active" : undefined}
                aria-current={current === v ? "page" : undefined}
                onClick={(e) => {
                  // A plain click routes in place; a modified click (new tab) keeps the link's default.
                  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                  e.preventDefault();
                  navigate(v);
                }}
              >
                <span class="nav-icon" aria-hidden="true">
                  {icons[v]}
                </span>
                {t(`nav.${v}`)}
              </a>
            </li>
          ))}
      </ul>
    </nav>
  );
}
