// The tax channel's dates: "YYYY-MM-DD HH:mm:ss" in Beijing time (UTC+8, no daylight saving).

const offsetMs = 8 * 3_600_000;

export function toBeijingText(date: Date): string {
  return new Date(date.getTime() + offsetMs).toISOString().slice(0, 19).replace("T", " ");
}

/** undefined unless the text is exactly that form and a real time. */
export function fromBeijingText(text: string): Date | undefined {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text.replace(" ", "T")}Z`);
  if (Number.isNaN(ms)) return undefined;
  const date = new Date(ms - offsetMs);
  return toBeijingText(date) === text ? date : undefined;
}
