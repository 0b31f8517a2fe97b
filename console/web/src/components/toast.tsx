import { type ComponentChildren, createContext } from "preact";
import { useCallback, useContext, useRef, useState } from "preact/hooks";

type Tone = "ok" | "bad";
interface ToastItem {
  readonly id: number;
  readonly text: string;
  readonly tone: Tone;
}

const ToastContext = createContext<(text: string, tone?: Tone) => void>(() => undefined);

/** Short-lived messages in a corner; they never carry personal data (only ids the API returned). */
export function ToastProvider({ children }: { children: ComponentChildren }) {
  const [items, setItems] = useState<readonly ToastItem[]>([]);
  const next = useRef(1);
  const show = useCallback((text: string, tone: Tone = "ok") => {
    const id = next.current++;
    setItems((list) => [...list, { id, text, tone }]);
    setTimeout(() => setItems((list) => list.filter((i) => i.id !== id)), 5000);
  }, []);
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div class="toasts" aria-live="polite">
        {items.map((i) => (
          <div key={i.id} class={`toast toast-${i.tone}`} data-testid="toast">
            {i.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): (text: string, tone?: Tone) => void {
  return useContext(ToastContext);
}
