import { useEffect, useState } from "preact/hooks";
import type { CheckpointStatus, CosignerStatus, GatewayStatus } from "../../../src/api/api-types.js";
import { useI18n } from "../i18n/i18n.js";
import type { LogPin } from "../verify/log-pin.js";
import { escapeForDisplay, isValidPartyId } from "../verify/party-id.js";
import { type TrustedCheckpoint, verifyGatewayCheckpoint } from "../verify/trusted-proof.js";
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
  const pins = useKeyPins();
  const pin = pins.get(gateway.party);
  return (
    <article
      class="card gateway-card"
      data-testid="gateway-card"
      data-party={gateway.party}
      data-pinned={String(pin !== undefined)}
    >
      <header class="card-head">
        <div>
          <h2>{gateway.displayName}</h2>
          <div class="muted small">
            <code>{escapeForDisplay(gateway.party)}</code> · {label("fed.role", gateway.role)}
          </div>
          {isValidPartyId(gateway.party) ? null : (
            <Badge tone="bad" testId="bad-party">
              {t("fed.badParty")}
            </Badge>
          )}
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
          <>
            <p class="muted">{t("fed.noCheckpoint")}</p>
            <PinSection party={gateway.party} serverKey={undefined} pin={pin} />
          </>
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
  const pin = pins.get(party);
  const [check, setCheck] = useState<TrustedCheckpoint | undefined>(undefined);
  useEffect(() => {
    setCheck(undefined);
    // After the first paint: SM2 verification in JavaScript takes a noticeable moment.
    const timer = setTimeout(() => setCheck(verifyGatewayCheckpoint(party, checkpoint, pins)), 0);
    return () => clearTimeout(timer);
  }, [party, checkpoint, pins]);

  return (
    <div>
      <dl class="fields fields-compact">
        <dt>{t("fed.origin")}</dt>
        <dd>
          <code class="small">{escapeForDisplay(checkpoint.origin)}</code>
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
          <PageSignature check={check} />
          {check !== undefined && check.state !== "invalid" ? (
            <span class="muted small">{t("fed.keyId", { id: check.check.keyIdHex })}</span>
          ) : null}
        </dd>
      </dl>
      <PinSection party={party} serverKey={checkpoint.logKey} pin={pin} />
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

function PageSignature({ check }: { check: TrustedCheckpoint | undefined }) {
  const { t } = useI18n();
  if (check === undefined) {
    return (
      <Badge tone="neutral" testId="page-log-signature" data={{ state: "checking" }}>
        {t("fed.sig.checking")}
      </Badge>
    );
  }
  if (check.state === "invalid") {
    return (
      <Badge
        tone="bad"
        testId="page-log-signature"
        data={{ state: "invalid", reason: check.check.reason }}
        title={escapeForDisplay(check.check.detail)}
      >
        {`${t("fed.sig.invalid")} · ${t(`refusal.${check.check.reason}`)}`}
      </Badge>
    );
  }
  if (check.state === "server-key") {
    return (
      <Badge
        tone="neutral"
        testId="page-log-signature"
        data={{ state: "server-key", reason: "server-key" }}
        title={t("fed.sig.serverKeyHelp")}
      >
        {t("fed.sig.serverKey")}
      </Badge>
    );
  }
  return (
    <Badge tone="ok" testId="page-log-signature" data={{ state: "valid", reason: "valid" }} title={check.check.detail}>
      {t("fed.sig.valid")}
    </Badge>
  );
}

/** The log key: pin the server's (trust on first use), paste one obtained out of band, or unpin. */
function PinSection({
  party,
  serverKey,
  pin,
}: {
  party: string;
  serverKey: string | undefined;
  pin: LogPin | undefined;
}) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const pinWith = (vkey: string, source: LogPin["source"]) => {
    const result = pinKey(party, vkey, source);
    if (result.ok) {
      setError(undefined);
      setText("");
    } else {
      setError(`${t(`refusal.${result.reason}`)} (${escapeForDisplay(result.detail)})`);
    }
  };
  const mismatch = pin !== undefined && serverKey !== undefined && pin.vkey !== serverKey;
  return (
    <div class="pin-section" data-testid="pin-section">
      <div class="pin-row small">
        <span class="muted">{t("fed.logKey")}:</span>
        {pin === undefined ? (
          serverKey === undefined ? null : (
            <button
              type="button"
              class="button button-small"
              data-testid="pin-key"
              title={t("fed.pinHelp")}
              onClick={() => pinWith(serverKey, "tofu")}
            >
              {t("fed.pin")} <span class="muted">{t("fed.pinTofu")}</span>
            </button>
          )
        ) : (
          <>
            <Badge tone="info" testId="pinned" data={{ source: pin.source }} title={pin.vkey}>
              {t("fed.pinned")} · {t(`fed.pinnedSource.${pin.source}`)}
            </Badge>
            <button
              type="button"
              class="button button-small"
              data-testid="unpin-key"
              onClick={() => {
                setError(undefined);
                unpinKey(party);
              }}
            >
              {t("fed.unpin")}
            </button>
          </>
        )}
      </div>
      {pin === undefined ? null : (
        <div class="muted small pin-key-text">
          <code data-testid="pinned-key">{escapeForDisplay(pin.vkey)}</code>
        </div>
      )}
      {mismatch ? (
        <div class="notice notice-bad small" role="alert" data-testid="pin-mismatch">
          {t("fed.pinDiffers")}
        </div>
      ) : null}
      <form
        class="pin-form small"
        onSubmit={(e) => {
          e.preventDefault();
          pinWith(text, "pasted");
        }}
      >
        <label class="muted" for={`pin-input-${party}`}>
          {t("fed.pinPasteLabel")}
        </label>
        <div class="input-with-button">
          <input
            id={`pin-input-${party}`}
            data-testid="pin-input"
            type="text"
            spellcheck={false}
            autocomplete="off"
            placeholder={t("fed.pinPastePlaceholder")}
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="button button-small" data-testid="pin-paste" disabled={text.trim() === ""}>
            {t("fed.pinPaste")}
          </button>
        </div>
        {error === undefined ? null : (
          <div class="notice notice-bad small" role="alert" data-testid="pin-error">
            {t("fed.pinError", { reason: error })}
          </div>
        )}
      </form>
    </div>
  );
}
