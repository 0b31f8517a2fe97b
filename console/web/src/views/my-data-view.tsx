import { useState } from "preact/hooks";
import type { AuditEntryView } from "../../../src/api/api-types.js";
import { useApiData } from "../api/api-context.js";
import { AuditTable, entryKey } from "../components/audit-table.js";
import { EntryDetail } from "../components/entry-detail.js";
import { ErrorNotice } from "../components/error-notice.js";
import { GrantTable } from "../components/grant-table.js";
import { Loading } from "../components/loading.js";
import { ShortHex } from "../components/short-hex.js";
import { useI18n } from "../i18n/i18n.js";

/** The holder's own view: the grants they gave, and every audited access to their data. */
export function MyDataView() {
  const { t } = useI18n();
  const { data, error, loading, reload } = useApiData((api) => api.myData(), "my-data");
  const [selected, setSelected] = useState<AuditEntryView | undefined>(undefined);
  return (
    <div class="view">
      <header class="view-head">
        <h1>{t("my.title")}</h1>
        {data === undefined ? null : (
          <div class="view-tools muted small">
            {t("my.subject")}: <ShortHex hex={data.subjectDigestHex} head={16} />
          </div>
        )}
      </header>
      {error === undefined ? null : <ErrorNotice error={error} onRetry={reload} />}
      {data === undefined ? (
        loading ? (
          <Loading />
        ) : null
      ) : (
        <>
          <section class="card" data-testid="my-grants">
            <h2>{t("my.grants")}</h2>
            {data.grants.length === 0 ? <p class="muted">{t("my.noGrants")}</p> : <GrantTable grants={data.grants} />}
          </section>
          <section class="card" data-testid="my-accesses">
            <h2>{t("my.accesses")}</h2>
            {data.accesses.length === 0 ? (
              <p class="muted">{t("my.noAccesses")}</p>
            ) : (
              <AuditTable
                entries={data.accesses}
                selected={selected === undefined ? undefined : entryKey(selected)}
                onSelect={setSelected}
              />
            )}
          </section>
          {selected === undefined ? null : (
            // A holder may check an entry's proof, but has no correlation view: no match button.
            <EntryDetail
              key={entryKey(selected)}
              entry={selected}
              match={false}
              onClose={() => setSelected(undefined)}
            />
          )}
        </>
      )}
    </div>
  );
}
