import { useState } from "preact/hooks";
import type { AuditEntryView, AuditSearchRequest, AuditSearchResult, Me } from "../../../src/api/api-types.js";
import { useApi } from "../api/api-context.js";
import { AuditTable, entryKey } from "../components/audit-table.js";
import { EntryDetail } from "../components/entry-detail.js";
import { ErrorNotice } from "../components/error-notice.js";
import { UnavailableNotices } from "../components/unavailable-notices.js";
import { useI18n } from "../i18n/i18n.js";
import { purposeNames } from "../verify/audit-enums.js";

interface Form {
  gateway: string;
  party: string;
  purpose: string;
  grantId: string;
  decision: "" | "allow" | "deny";
  correlationId: string;
  /** The subject's ID number: held in this component's state only while the form is open. */
  subject: string;
  from: string;
  to: string;
}

const emptyForm: Form = {
  gateway: "",
  party: "",
  purpose: "",
  grantId: "",
  decision: "",
  correlationId: "",
  subject: "",
  from: "",
  to: "",
};

/** A datetime-local value (the user's local time) as ISO 8601 UTC. */
function localToIso(value: string): string | undefined {
  if (value === "") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function toRequest(f: Form): AuditSearchRequest {
  const trimmed = (s: string) => (s.trim() === "" ? undefined : s.trim());
  const request: Record<string, string | undefined> = {
    gateway: trimmed(f.gateway),
    party: trimmed(f.party),
    purpose: trimmed(f.purpose),
    grantId: trimmed(f.grantId),
    decision: f.decision === "" ? undefined : f.decision,
    correlationId: trimmed(f.correlationId),
    subjectIdNumber: trimmed(f.subject),
    from: localToIso(f.from),
    to: localToIso(f.to),
  };
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) as AuditSearchRequest;
}

export function AuditView({ me }: { me: Me }) {
  const { t, label } = useI18n();
  const api = useApi();
  const [form, setForm] = useState<Form>(emptyForm);
  const [showSubject, setShowSubject] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<AuditSearchResult | undefined>(undefined);
  const [selected, setSelected] = useState<AuditEntryView | undefined>(undefined);

  const set =
    <K extends keyof Form>(key: K) =>
    (e: Event) =>
      setForm((f) => ({ ...f, [key]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value }));

  const search = async (e: Event) => {
    e.preventDefault();
    const request = toRequest(form);
    const filters = Object.keys(request).filter((k) => k !== "gateway");
    if (filters.length === 0) {
      setError(new Error(t("audit.needFilter")));
      return;
    }
    setBusy(true);
    setError(undefined);
    // The old rows go at once: a click while the new search runs must not open an old entry.
    setSelected(undefined);
    setResult(undefined);
    try {
      const found = await api.searchAudit(request);
      setSelected(undefined);
      setResult(found);
    } catch (err) {
      setResult(undefined);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const select = (entry: AuditEntryView) => {
    setSelected(entry);
    // The detail opens below the table; bring it into view.
    setTimeout(() => document.querySelector("[data-testid=entry-detail]")?.scrollIntoView({ block: "nearest" }), 0);
  };

  return (
    <div class="view">
      <header class="view-head">
        <h1>{t("audit.title")}</h1>
      </header>
      <form class="card search-form" onSubmit={search}>
        <div class="form-grid">
          <label class="field">
            <span>{t("audit.gateway")}</span>
            <select data-testid="audit-gateway" value={form.gateway} onChange={set("gateway")}>
              <option value="">{t("audit.allGateways")}</option>
              {me.gateways.map((g) => (
                <option key={g} value={g}>
                  {g}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>{t("audit.party")}</span>
            <input
              data-testid="audit-party"
              placeholder={t("audit.partyHint")}
              value={form.party}
              onInput={set("party")}
            />
          </label>
          <label class="field">
            <span>{t("audit.purpose")}</span>
            <select data-testid="audit-purpose" value={form.purpose} onChange={set("purpose")}>
              <option value="">{t("audit.anyPurpose")}</option>
              {purposeNames.map((p) => (
                <option key={p} value={p}>
                  {label("purpose", p)}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>{t("audit.decision")}</span>
            <select data-testid="audit-decision" value={form.decision} onChange={set("decision")}>
              <option value="">{t("audit.anyDecision")}</option>
              <option value="allow">{t("decision.allow")}</option>
              <option value="deny">{t("decision.deny")}</option>
            </select>
          </label>
          <label class="field">
            <span>{t("audit.grant")}</span>
            <input data-testid="audit-grant" value={form.grantId} onInput={set("grantId")} />
          </label>
          <label class="field">
            <span>{t("audit.correlation")}</span>
            <input data-testid="audit-correlation" value={form.correlationId} onInput={set("correlationId")} />
          </label>
          <label class="field">
            <span>{t("audit.from")}</span>
            <input data-testid="audit-from" type="datetime-local" step={1} value={form.from} onInput={set("from")} />
          </label>
          <label class="field">
            <span>{t("audit.to")}</span>
            <input data-testid="audit-to" type="datetime-local" step={1} value={form.to} onInput={set("to")} />
          </label>
          <div class="field field-wide">
            <label for="audit-subject">{t("audit.subject")}</label>
            <div class="input-with-button">
              {/* One element either way (Preact keeps it and its focus); two branches only for the types. */}
              {showSubject ? (
                <input
                  id="audit-subject"
                  data-testid="audit-subject"
                  type="text"
                  autoComplete="off"
                  spellcheck={false}
                  value={form.subject}
                  onInput={set("subject")}
                />
              ) : (
                <input
                  id="audit-subject"
                  data-testid="audit-subject"
                  type="password"
                  autoComplete="off"
                  spellcheck={false}
                  value={form.subject}
                  onInput={set("subject")}
                />
              )}
              <button
                type="button"
                class="button button-small"
                data-testid="audit-subject-toggle"
                onClick={() => setShowSubject((s) => !s)}
              >
                {showSubject ? t("audit.hide") : t("audit.show")}
              </button>
            </div>
            <span class="hint">{t("audit.subjectHint")}</span>
          </div>
        </div>
        <div class="form-actions">
          <button
            type="button"
            class="button"
            onClick={() => {
              setForm(emptyForm);
              setResult(undefined);
              setSelected(undefined);
              setError(undefined);
            }}
          >
            {t("audit.clear")}
          </button>
          <button type="submit" class="button button-primary" data-testid="audit-search" disabled={busy}>
            {busy ? t("audit.searching") : t("audit.search")}
          </button>
        </div>
      </form>

      {error === undefined ? null : <ErrorNotice error={error} />}
      {result === undefined ? null : (
        <section class="results">
          <UnavailableNotices unavailable={result.unavailable} />
          {result.truncated ? (
            <div class="notice notice-warn" data-testid="audit-truncated">
              {t("audit.truncated", { n: result.entries.length })}
            </div>
          ) : null}
          {result.entries.length === 0 ? (
            <div class="empty" data-testid="audit-empty">
              {t("audit.empty")}
            </div>
          ) : (
            <>
              <div class="muted small">{t("audit.count", { n: result.entries.length })}</div>
              <AuditTable
                entries={result.entries}
                selected={selected === undefined ? undefined : entryKey(selected)}
                onSelect={select}
              />
            </>
          )}
        </section>
      )}
      {selected === undefined ? null : (
        <EntryDetail key={entryKey(selected)} entry={selected} onClose={() => setSelected(undefined)} />
      )}
    </div>
  );
}
