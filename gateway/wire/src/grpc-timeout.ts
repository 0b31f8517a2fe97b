// The grpc-timeout header (PROTOCOL-HTTP2.md): at most 8 ASCII digits and a unit, H M S m u n.

const unitMs: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
const maxValue = 99_999_999;

/** Milliseconds (possibly fractional) from a grpc-timeout value; undefined when malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const length = value.length;
  if (length < 2 || length > 9) return undefined;
  const scale = unitMs[value[length - 1] ?? ""];
  if (scale === undefined) return undefined;
  let n = 0;
  for (let i = 0; i < length - 1; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return n * scale;
}

/** A grpc-timeout value for a positive remaining time, rounded up so the peer never gives up first. */
export function formatGrpcTimeout(ms: number): string {
  const millis = Math.max(1, Math.ceil(ms));
  if (millis <= maxValue) return `${millis}m`;
  const seconds = Math.ceil(millis / 1000);
  if (seconds <= maxValue) return `${seconds}S`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes <= maxValue) return `${minutes}M`;
  return `${Math.min(maxValue, Math.ceil(minutes / 60))}H`;
}
