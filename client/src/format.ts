const pad = (value: number) => String(value).padStart(2, '0');

/** Local wall-clock time as HH:MM:SS, independent of the browser's locale conventions. */
export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Socket ids are 20 random characters; six are plenty to tell senders apart on screen. */
export function shortId(id: string): string {
  return id.slice(0, 6);
}
