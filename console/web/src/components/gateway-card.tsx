import { useEffect, useState } from "preact/hooks";
import type { CheckpointStatus, CosignerStatus, GatewayStatus } from "../../../src/api/api-types.js";
import { useI18n } from "../i18n/i18n.js";
import { type CheckpointVerification, verifyCheckpointStatus } from "../verify/verify-checkpoint-status.js";
import { Badge, type Tone } from "./badge.js";
import { ExpiryBadge } from "./expiry-badge.js";
import { pinKey, unpinKey, useKeyPins } from "./key-pins.js";
import { ShortHex } from "./short-hex.js";

const cosignerTone: Readonly<Record<CosignerStatus["state"], Tone>> = {
  cosigned: "ok",
  missing: "warn",
  invalid: "bad",
  disagrees: "bad",
};

export function GatewayCard({ gateway }: { gateway: GatewayStatus }) {
  const { t, label } = useI18n();
  const { link } = gateway;
  return (
    <article class="card gateway-card" data-testid="gateway-card" data-party={gateway.party}>
      <header class="card-head">
        <div>
          <h2>{gateway.displayName}</h2>
          <div class="muted small">
            <code>{gateway.party}</code> · {label("fed.role", gateway.role)}
          </div>
        </div>
        <span data-testid="link-state" data-up={String(link.up)}>
          <Badge tone={link.up ? "ok" : "bad"} title={link.error}>
            {link.up ? t("fed.link.up") : t("fed.link.down")}
            {link.up && link.latencyMs !== undefined
              ? ` · ${t("fed.latency", { ms: Math.round(link.latencyMs) })}`
              : ""}
          </Badge>
        </span>
      </header>
      <div class="muted small">
        {t("fed.address")}: <code>{gateway.address}</code>
      </div>
      {!link.up && link.error !== undefined ? <div class="notice notice-bad small">{link.error}</div> : null}

      <section class="card-section">
        <h3>{t("fed.checkpoint")}</h3>
        {gateway.checkpoint === undefined ? (
          <p class="muted">{t("fed.noCheckpoint")}</p>
        ) : (
          <CheckpointBlock party={gateway.party} checkpoint={gateway.checkpoint} />
        )}
      </section>

      <section class="card-section">
        <h3>{t("fed.certificates")}</h3>
        <table class="table table-compact">
          <thead>
            <tr>
              <th>{t("fed.cert.subject")}</th>
              <th>{t("fed.cert.serial")}</th>
              <th>{t("fed.cert.notAfter")}</th>
            </tr>
          </thead>
          <tbody>
            {gateway.certificates.map((c) => (
              <tr key={c.serial} data-testid="certificate">
                <td class="small">{c.subject}</td>
                <td class="nowrap">
                  <ShortHex hex={c.serial} head={10} />
                </td>
                <td class="nowrap">
                  <ExpiryBadge daysLeft={c.daysLeft} until={c.notAfter} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {gateway.crls.length === 0 ? null : (
          <table class="table table-compact">
            <thead>
              <tr>
                <th>{t("fed.crl.issuer")}</th>
                <th>{t("fed.crl.revoked")}</th>
                <th>{t("fed.crl.nextUpdate")}</th>
              </tr>
            </thead>
            <tbody>
              {gateway.crls.map((c) => (
                <tr key={c.issuer} data-testid="crl">
                  <td class="small">{c.issuer}</td>
                  <td>{c.revoked}</td>
                  <td class="nowrap">
                    <ExpiryBadge daysLeft={c.daysLeft} until={c.nextUpdate} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="card-section card-section-split">
        <details>
          <summary>{t("fed.routes", { n: gateway.routes.length })}</summary>
          <ul class="plain-list small">
            {gateway.routes.map((r) => (
              <li key={`${r.pattern}-${r.target}`}>
                <code>{r.pattern}</code> → <span class="muted">{r.kind}</span> <code>{r.target}</code>
              </li>
            ))}
          </ul>
        </details>
        <details>
          <summary>{t("fed.parties", { n: gateway.parties.length })}</summary>
          <ul class="plain-list small">
            {gateway.parties.map((p) => (
              <li key={p.party}>
                <code>{p.party}</code> {p.displayName} <span class="muted">({p.kind})</span>
              </li>
            ))}
          </ul>
        </details>
      </section>
    </article>
  );
}

function CheckpointBlock({ party, checkpoint }: { party: string; checkpoint: CheckpointStatus }) {
  const { t, time, number } = useI18n();
  const pins = useKeyPins();
  const pinned = pins[party];
  const key = pinned ?? checkpoint.logKey;
  const [check, setCheck] = useState<CheckpointVerification | undefined>(undefined);
  useEffect(() => {
    setCheck(undefined);
    // After the first paint: SM2 verification in JavaScript takes a noticeable moment.
    const timer = setTimeout(() => setCheck(verifyCheckpointStatus(checkpoint, key)), 0);
    return () => clearTimeout(timer);
  }, [checkpoint, key]);

  return (
    <div>
      <dl class="fields fields-compact">
        <dt>{t("fed.origin")}</dt>
        <dd>
          <code class="small">{checkpoint.origin}</code>
        </dd>
        <dt>{t("fed.size")}</dt>
        <dd>{number(checkpoint.size)}</dd>
        <dt>{t("fed.root")}</dt>
        <dd>
          <ShortHex hex={checkpoint.rootHashHex} head={16} />
        </dd>
        <dt>{t("fed.serverSignature")}</dt>
        <dd>
          <Badge tone={checkpoint.logSignatureValid ? "ok" : "bad"} testId="server-log-signature">
            {checkpoint.logSignatureValid ? t("fed.sig.valid") : t("fed.sig.invalid")}
          </Badge>
        </dd>
        <dt>{t("fed.pageSignature")}</dt>
        <dd>
          {check === undefined ? (
            <Badge tone="neutral" testId="page-log-signature" data={{ state: "checking" }}>
              {t("fed.sig.checking")}
            </Badge>
          ) : (
            <Badge
              tone={check.ok ? "ok" : "bad"}
              testId="page-log-signature"
              data={{ state: check.ok ? "valid" : "invalid", reason: check.reason }}
              title={check.detail}
            >
              {check.ok ? t("fed.sig.valid") : `${t("fed.sig.invalid")} · ${t(`refusal.${check.reason}`)}`}
            </Badge>
          )}{" "}
          {check?.ok === true ? <span class="muted small">{t("fed.keyId", { id: check.keyIdHex })}</span> : null}
        </dd>
      </dl>
      <div class="pin-row small">
        {pinned === undefined ? (
          <button
            type="button"
            class="button button-small"
            title={t("fed.pinHelp")}
            onClick={() => pinKey(party, checkpoint.logKey)}
          >
            {t("fed.pin")}
          </button>
        ) : (
          <>
            <Badge tone="info">{t("fed.pinned")}</Badge>
            {pinned !== checkpoint.logKey ? <Badge tone="warn">{t("fed.pinDiffers")}</Badge> : null}
            <button type="button" class="button button-small" onClick={() => unpinKey(party)}>
              {t("fed.unpin")}
            </button>
          </>
        )}
      </div>
      <h4>{t("fed.cosigners")}</h4>
      {checkpoint.cosigners.length === 0 ? (
        <p class="muted small">{t("fed.noCosigners")}</p>
      ) : (
        <ul class="cosigners">
          {checkpoint.cosigners.map((c) => (
            <li
              key={c.name}
              data-testid="cosigner"
              data-state={c.state}
              class={c.state === "disagrees" || c.state === "invalid" ? "cosigner cosigner-alarm" : "cosigner"}
            >
              <code class="small">{c.name}</code>
              <Badge tone={cosignerTone[c.state]}>{t(`fed.cosigner.${c.state}`)}</Badge>
              {c.timestamp === undefined ? null : <span class="muted small">{time(c.timestamp)}</span>}
              {c.detail === undefined ? null : <div class="small cosigner-detail">{c.detail}</div>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
