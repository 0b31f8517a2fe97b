import { useEffect, useRef } from "preact/hooks";

/**
 * An in-page confirmation (a real dialog element, not window.confirm, which tests and some
 * kiosk browsers suppress). Escape or the cancel button closes it.
 */
export function ConfirmDialog({
  title,
  text,
  yes,
  no,
  busy,
  onYes,
  onNo,
}: {
  title: string;
  text: string;
  yes: string;
  no: string;
  busy: boolean;
  onYes: () => void;
  onNo: () => void;
}) {
  const yesRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    yesRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onNo();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onNo]);
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm">
        <h2 id="confirm-title">{title}</h2>
        <p>{text}</p>
        <div class="dialog-actions">
          <button type="button" class="button" data-testid="confirm-no" onClick={onNo} disabled={busy}>
            {no}
          </button>
          <button
            type="button"
            class="button button-primary"
            data-testid="confirm-yes"
            ref={yesRef}
            onClick={onYes}
            disabled={busy}
          >
            {yes}
          </button>
        </div>
      </div>
    </div>
  );
}
