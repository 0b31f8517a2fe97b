import { useEffect, useRef, useState } from "preact/hooks";
import type { AuditEntryView } from "../../../src/api/api-types.js";
import { useApi } from "../api/api-context.js";
import { useI18n } from "../i18n/i18n.js";
import { formatTimestamp } from "../verify/served-entry.js";
import { type ProofVerification, verifyEntryProof } from "../verify/verify-entry-proof.js";
import { ErrorNotice } from "./error-notice.js";
import { pinnedKey } from "./key-pins.js";
import { ShortHex } from "./short-hex.js";

type State =
  | { readonly step: "idle" }
  | { readonly step: "working" }
  | { readonly step: "error"; readonly error: unknown }
  | { readonly step: "done"; readonly result: ProofVerification; readonly pinned: boolean };

/** 在浏览器中验证: fetch the inclusion proof, then check it here, trusting nothing the server says. */
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
      const proof = await api.auditProof(entry.gateway, entry.index);
      const pinned = pinnedKey(entry.gateway);
      // Let the "verifying" state paint before the SM2 arithmetic takes the main thread.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const result = verifyEntryProof({ served: entry, proof, logKey: pinned ?? proof.logKey });
      if (shown.current === entry) setState({ step: "done", result, pinned: pinned !== undefined });
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
      {state.step === "done" ? <ProofResult result={state.result} pinned={state.pinned} index={entry.index} /> : null}
    </div>
  );
}

function ProofResult({ result, pinned, index }: { result: ProofVerification; pinned: boolean; index: number }) {
  const { t } = useI18n();
  const keyNote = pinned ? t("proof.keyPinned") : t("proof.keyServer");
  if (!result.ok) {
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
          <span class="muted">{t("proof.detail")}:</span> <code>{result.detail}</code> · {keyNote}
        </div>
      </div>
    );
  }
  return (
    <div class="result result-ok" data-testid="proof-result" data-state="verified" data-reason="verified">
      <div class="result-head">
        <span class="result-icon" aria-hidden="true">
          ✓
        </span>
        <strong>{t("proof.verified")}</strong>
      </div>
      <p>
        {t("proof.verifiedText", { index, origin: result.origin, size: result.treeSize, keyId: result.keyIdHex })} (
        {keyNote})
      </p>
      <dl class="fields fields-compact">
        <dt>{t("proof.root")}</dt>
        <dd>
          <ShortHex hex={result.rootHex} head={24} />
        </dd>
        <dt>{t("proof.leaf")}</dt>
        <dd>
          <ShortHex hex={result.leafHashHex} head={24} />
        </dd>
        <dt>{t("entry.field.time")}</dt>
        <dd>
          <code>{formatTimestamp(result.entry.time)}</code>
        </dd>
        <dt>{t("entry.field.version")}</dt>
        <dd>{result.entry.version}</dd>
        <dt>{t("entry.field.peerCert")}</dt>
        <dd>
          <code>{result.entry.peerCertSerial === "" ? "—" : result.entry.peerCertSerial}</code>
        </dd>
      </dl>
    </div>
  );
}
