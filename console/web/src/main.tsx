import { render } from "preact";
import { App } from "./app.js";
import { I18nProvider } from "./i18n/i18n.js";

const root = document.getElementById("app");
if (root !== null) {
  render(
    <I18nProvider>
      <App />
    </I18nProvider>,
    root,
  );
}
