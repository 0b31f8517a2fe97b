/**
 * What a call needs from a cancellation signal: whether it fired, and one listener object to run
 * when it does. A standard AbortSignal is one; so is a server call (wire-server), which saves the
 * gateway an AbortController and EventTarget bookkeeping on every forwarded call.
 */
export interface CancelListener {
  handleEvent(): void;
}

export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: CancelListener): void;
  removeEventListener(type: "abort", listener: CancelListener): void;
}
