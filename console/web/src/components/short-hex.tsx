/** A long hex digest shown short (first and last characters), in full on hover and when copied. */
export function ShortHex({ hex, head = 12 }: { hex: string; head?: number }) {
  if (hex === "") return <span class="muted">—</span>;
  const short = hex.length > head + 6 ? `${hex.slice(0, head)}…${hex.slice(-4)}` : hex;
  return (
    <code class="mono" title={hex}>
      {short}
    </code>
  );
}
