import type { ComponentType, JSX } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { Me, ViewName } from "../../src/api/api-types.js";
import { ApiProvider } from "./api/api-context.js";
import { isApiRequestError } from "./api/api-request-error.js";
import { ConsoleApi } from "./api/console-api.js";
import { ErrorNotice } from "./components/error-notice.js";
import { Loading } from "./components/loading.js";
import { SideNav } from "./components/side-nav.js";
import { ToastProvider } from "./components/toast.js";
import { TopBar } from "./components/top-bar.js";
import { navigate, useHashRoute, viewOrder } from "./hash-route.js";
import { useI18n } from "./i18n/i18n.js";
import { AuditView } from "./views/audit-view.js";
import { DeliveryView } from "./views/delivery-view.js";
import { FederationView } from "./views/federation-view.js";
import { GrantsView } from "./views/grants-view.js";
import { MyDataView } from "./views/my-data-view.js";
import { SignInView } from "./views/sign-in-view.js";

/** undefined: asking the backend who we are; null: signed out. */
type Session = Me | null | undefined;

export function App() {
  const { t } = useI18n();
  const [session, setSession] = useState<Session>(undefined);
  const [startError, setStartError] = useState<string | undefined>(undefined);
  // Any 401 (the session expired or was revoked) returns to sign-in, whatever view asked.
  const api = useMemo(() => new ConsoleApi(() => setSession(null)), []);

  useEffect(() => {
    api.me().then(setSession, (e: unknown) => {
      if (!(isApiRequestError(e) && e.status === 401)) {
        setStartError(isApiRequestError(e) && e.status === 0 ? t("error.network") : String((e as Error).message));
      }
      setSession(null);
    });
    // Once, at start: switching the language does not change who is signed in.
  }, [api]);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
    } catch {
      // Signed out locally either way; the cookie is HttpOnly and the backend ends the session.
    }
    setSession(null);
  }, [api]);

  let body: JSX.Element;
  if (session === undefined) body = <Loading />;
  else if (session === null)
    body = (
      <SignInView
        onSignedIn={(me) => {
          setStartError(undefined);
          setSession(me);
        }}
        {...(startError === undefined ? {} : { initialError: startError })}
      />
    );
  else body = <Shell me={session} onSignOut={signOut} />;

  return (
    <ApiProvider api={api}>
      <ToastProvider>{body}</ToastProvider>
    </ApiProvider>
  );
}

function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const route = useHashRoute();
  const allowed = viewOrder.filter((v) => me.views.includes(v));
  const current = allowed.find((v) => v === route);
  useEffect(() => {
    // An unknown or forbidden address goes to the first view the role has.
    const first = allowed[0];
    if (current === undefined && first !== undefined) navigate(first);
  }, [current, allowed]);
  return (
    <div class="shell">
      <TopBar me={me} onSignOut={onSignOut} />
      <div class="shell-body">
        <SideNav views={me.views} current={current ?? ""} />
        <main class="content">{current === undefined ? null : <CurrentView view={current} me={me} />}</main>
      </div>
    </div>
  );
}

function CurrentView({ view, me }: { view: ViewName; me: Me }) {
  switch (view) {
    case "federation":
      return <FederationView />;
    case "audit":
      return <AuditView me={me} />;
    case "grants":
      return <GrantsView />;
    case "my-data":
      return <MyDataView />;
    case "delivery":
      return <DeliveryView />;
    case "indicators":
      return <LazyIndicatorsView />;
  }
}

/** ECharts is most of the bundle's weight and only this view draws charts: load it on first visit. */
function LazyIndicatorsView() {
  const [View, setView] = useState<ComponentType | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    import("./views/indicators-view.js").then((m) => setView(() => m.IndicatorsView), setError);
  }, []);
  if (error !== undefined) return <ErrorNotice error={error} />;
  return View === undefined ? <Loading /> : <View />;
}
