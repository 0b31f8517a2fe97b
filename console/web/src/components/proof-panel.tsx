import { useEffect, useRef, useState } from "preact/hooks";
import type { AuditEntryView } from "../../../src/api/api-types.js";
import { useApi } from "../api/api-context.js";
import { useI18n } from "../i18n/i18n.js";
import { escapeForDisplay } from "../verify/party-id.js";
import { formatTimestamp } from "../verify/served-entry.js";
import type { TrustedProof } from "../verify/trusted-proof.js";
import type { ProofVerified } from "../verify/verify-entry-proof.js";
import { ErrorNotice } from "./error-notice.js";
import { currentPins } from "./key-pins.js";
import { proveEntry } from "./prove-entry.js";
import { ShortHex } from "./short-hex.js";

type State =
  | { readonly step: "idle" }
  | { readonly step: "working" }
  | { readonly step: "error"; readonly error: unknown }
  | { readonly step: "done"; readonly result: TrustedProof };

/**
 * 在浏览器中验证: fetch the inclusion proof, then check it here. "Verified" only under the key pinned
 * in this browser for the entry's gateway; under the key the server sent, the page says so.
 */
export function ProofPanel({ entry }: { entry: AuditEntryView }) {
  const { t } = useI18n();
  const api = useApi();
  const [state, setState] = useState<State>({ step: "idle" });
  // A result belongs to the entry it was computed for: another entry shown here starts afresh,
  // and an answer still in flight for the previous one is dropped.
  const shown = useRef(entry);
  useEffect(() => {
    shown.current = entry;
    setState({ step: "idle" });
  }, [entry]);

  const run = async () => {
    setState({ step: "working" });
    try {
      const result = await proveEntry(api, entry, currentPins());
      if (shown.current === entry) setState({ step: "done", result });
    } catch (error) {
      if (shown.current === entry) setState({ step: "error", error });
    }
  };

  return (
    <div class="panel-block">
      <button
        type="button"
        class="button button-primary"
        data-testid="verify-proof"
        onClick={run}
        disabled={state.step === "working"}
      >
        {state.step === "working" ? t("entry.verifying") : t("entry.verify")}
      </button>
      {state.step === "error" ? <ErrorNotice error={state.error} /> : null}
      {state.step === "done" ? <ProofResult proof={state.result} index={entry.index} /> : null}
    </div>
  );
}

function ProofResult({ proof, index }: { proof: TrustedProof; index: number }) {
  const { t } = useI18n();
  const keyNote =
    proof.state === "server-key" || (proof.state === "refused" && proof.pin === undefined)
      ? t("proof.keyServer")
      : `${t("proof.keyPinned")} (${t(`fed.pinnedSource.${proof.pin?.source ?? "tofu"}`)})`;
  if (proof.state === "refused") {
    const { result } = proof;
    return (
      <div class="result result-bad" data-testid="proof-result" data-state="refused" data-reason={result.reason}>
        <div class="result-head">
          <span class="result-icon" aria-hidden="true">
            ✕
          </span>
          <strong>{t("proof.refused")}</strong>
          <span>{t(`refusal.${result.reason}`)}</span>
        </div>
        <div class="result-detail">
          <span class="muted">{t("proof.detail")}:</span> <code>{escapeForDisplay(result.detail)}</code> · {keyNote}
        </div>
      </div>
    );
  }
  const { result } = proof;
  const pinned = proof.state === "verified";
  return (
    <div
      class={pinned ? "result result-ok" : "result result-neutral"}
      data-testid="proof-result"
      data-state={pinned ? "verified" : "server-key"}
      data-reason={pinned ? "verified" : "server-key"}
    >
      <div class="result-head">
        <span class="result-icon" aria-hidden="true">
          {pinned ? "✓" : "?"}
        </span>
        <strong>{pinned ? t("proof.verified") : t("proof.serverKey")}</strong>
      </div>
      {pinned ? null : <p data-testid="proof-server-key-note">{t("proof.serverKeyText")}</p>}
      <p>
        {t("proof.verifiedText", {
          index,
          origin: escapeForDisplay(result.origin),
          size: result.treeSize,
          keyId: result.keyIdHex,
        })}{" "}
        ({keyNote})
      </p>
      <ProvenFields result={result} />
    </div>
  );
}

function ProvenFields({ result }: { result: ProofVerified }) {
  const { t } = useI18n();
  return (
    <dl class="fields fields-compact">
      <dt>{t("proof.root")}</dt>
      <dd>
        <ShortHex hex={result.rootHex} head={24} />
      </dd>
      <dt>{t("proof.leaf")}</dt>
      <dd>
        <ShortHex hex={result.leafHashHex} head={24} />
      </dd>
      <dt>{t("entry.field.gateway")}</dt>
      <dd>
        <code>{escapeForDisplay(result.entry.gatewayParty)}</code>
      </dd>
      <dt>{t("entry.field.time")}</dt>
      <dd>
        <code>{formatTimestamp(result.entry.time)}</code>
      </dd>
      <dt>{t("entry.field.version")}</dt>
      <dd>{result.entry.version}</dd>
      <dt>{t("entry.field.peerCert")}</dt>
      <dd>
        <code>{result.entry.peerCertSerial === "" ? "—" : escapeForDisplay(result.entry.peerCertSerial)}</code>
      </dd>
    </dl>
  );
}
