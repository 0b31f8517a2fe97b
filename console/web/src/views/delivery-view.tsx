import { useCallback, useState } from "preact/hooks";
import type { DeadLetterView } from "../../../src/api/api-types.js";
import { useApi, useApiData } from "../api/api-context.js";
import { Badge } from "../components/badge.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { DataTable } from "../components/data-table.js";
import { ErrorNotice } from "../components/error-notice.js";
import { Loading } from "../components/loading.js";
import { useToast } from "../components/toast.js";
import { useI18n } from "../i18n/i18n.js";

interface Pending {
  readonly gateway: string;
  readonly letter: DeadLetterView;
}

function age(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

export function DeliveryView() {
  const { t, time, label } = useI18n();
  const api = useApi();
  const toast = useToast();
  const { data, error, loading, reload } = useApiData((a) => a.delivery(), "delivery");
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [replayError, setReplayError] = useState<unknown>(undefined);
  const [done, setDone] = useState<{ gateway: string; id: string } | undefined>(undefined);

  const cancel = useCallback(() => {
    if (!busy) setPending(undefined);
  }, [busy]);

  const confirm = async () => {
    if (pending === undefined) return;
    setBusy(true);
    setReplayError(undefined);
    try {
      await api.replay({ gateway: pending.gateway, id: pending.letter.id });
      setDone({ gateway: pending.gateway, id: pending.letter.id });
      toast(t("delivery.replayed", { id: pending.letter.id }));
      setPending(undefined);
      reload();
    } catch (err) {
      setReplayError(err);
      setPending(undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="view">
      <header class="view-head">
        <h1>{t("delivery.title")}</h1>
        <div class="view-tools">
          <button type="button" class="button" onClick={reload} disabled={loading}>
            {t("fed.reload")}
          </button>
        </div>
      </header>
      {done === undefined ? null : (
        <div class="notice notice-ok" data-testid="replay-done" data-gateway={done.gateway} data-id={done.id}>
          {t("delivery.replayed", { id: done.id })}
        </div>
      )}
      {replayError === undefined ? null : <ErrorNotice error={replayError} />}
      {error === undefined ? null : <ErrorNotice error={error} onRetry={reload} />}
      {data === undefined ? loading ? <Loading /> : null : null}
      {data?.gateways.map((g) => (
        <section class="card" key={g.gateway} data-testid="delivery-gateway" data-gateway={g.gateway}>
          <h2>
            <code>{g.gateway}</code>
          </h2>
          {g.error === undefined ? null : <div class="notice notice-warn">{g.error}</div>}
          <h3>{t("delivery.queues")}</h3>
          {g.queues.length === 0 ? (
            <p class="muted">{t("delivery.noQueues")}</p>
          ) : (
            <DataTable
              columns={[
                t("delivery.col.topic"),
                t("delivery.col.destination"),
                { label: t("delivery.col.pending"), numeric: true },
                { label: t("delivery.col.oldest"), numeric: true },
                { label: t("delivery.col.dead"), numeric: true },
                t("delivery.col.breaker"),
              ]}
            >
              {g.queues.map((q) => (
                <tr
                  key={`${q.topic}->${q.destination}`}
                  data-testid="queue-row"
                  data-gateway={g.gateway}
                  data-topic={q.topic}
                  data-destination={q.destination}
                >
                  <td>
                    <code>{q.topic}</code>
                  </td>
                  <td>
                    <code>{q.destination}</code>
                  </td>
                  <td class="num">{q.pending}</td>
                  <td class="num">{q.pending === 0 ? "—" : age(q.oldestPendingAgeSeconds)}</td>
                  <td class="num">{q.dead === 0 ? 0 : <Badge tone="bad">{q.dead}</Badge>}</td>
                  <td>
                    <Badge tone={q.breaker === "closed" ? "ok" : q.breaker === "open" ? "bad" : "warn"}>
                      {label("breaker", q.breaker)}
                    </Badge>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
          <h3>{t("delivery.deadLetters")}</h3>
          {g.deadLetters.length === 0 ? (
            <p class="muted">{t("delivery.noDead")}</p>
          ) : (
            <DataTable
              columns={[
                t("delivery.col.id"),
                t("delivery.col.topic"),
                t("delivery.col.destination"),
                { label: t("delivery.col.attempts"), numeric: true },
                t("delivery.col.lastError"),
                t("delivery.col.deadAt"),
                "",
              ]}
            >
              {g.deadLetters.map((d) => (
                <tr key={d.id} data-testid="dead-letter-row" data-gateway={g.gateway} data-id={d.id}>
                  <td>
                    <code>{d.id}</code>
                  </td>
                  <td>
                    <code>{d.topic}</code>
                  </td>
                  <td>
                    <code>{d.destination}</code>
                  </td>
                  <td class="num">{d.attempts}</td>
                  <td class="small error-text">{d.lastError}</td>
                  <td class="nowrap">{time(d.deadAt)}</td>
                  <td>
                    <button
                      type="button"
                      class="button button-small"
                      data-testid="replay"
                      onClick={() => setPending({ gateway: g.gateway, letter: d })}
                    >
                      {t("delivery.replay")}
                    </button>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </section>
      ))}
      {pending === undefined ? null : (
        <ConfirmDialog
          title={t("delivery.confirmTitle")}
          text={t("delivery.confirmText", {
            id: pending.letter.id,
            gateway: pending.gateway,
            topic: pending.letter.topic,
            destination: pending.letter.destination,
          })}
          yes={busy ? t("delivery.replaying") : t("delivery.confirmYes")}
          no={t("delivery.confirmNo")}
          busy={busy}
          onYes={confirm}
          onNo={cancel}
        />
      )}
    </div>
  );
}
