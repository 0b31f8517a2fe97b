import type { ComponentChildren } from "preact";

export type Tone = "ok" | "warn" | "bad" | "info" | "neutral";

/** A status pill. Tone carries the meaning; the text always says it too (never colour alone). */
export function Badge({
  tone,
  children,
  title,
  testId,
  data,
}: {
  tone: Tone;
  children: ComponentChildren;
  title?: string | undefined;
  testId?: string | undefined;
  data?: Readonly<Record<string, string>> | undefined;
}) {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) attrs[`data-${k}`] = v;
  return (
    <span class={`badge badge-${tone}`} title={title} data-testid={testId} {...attrs}>
      {children}
    </span>
  );
}
