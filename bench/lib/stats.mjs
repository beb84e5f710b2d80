/** Nearest-rank percentile; undefined for no samples so that "no data" never reads as 0 ms. */
export function percentile(/** @type {number[]} */ values, /** @type {number} */ p) {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** @param {(number | undefined | null)[]} values */
export function spread(values) {
  const present = /** @type {number[]} */ (
    values.filter((v) => typeof v === 'number' && Number.isFinite(v))
  );
  if (present.length === 0) return { median: undefined, min: undefined, max: undefined, n: 0 };
  const sorted = [...present].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}

export const round = (/** @type {number | undefined} */ value, digits = 2) =>
  value === undefined ? undefined : Math.round(value * 10 ** digits) / 10 ** digits;

/** Resolves once `check()` is truthy, re-checking every `intervalMs`; rejects after `timeoutMs`. */
export async function waitFor(
  /** @type {() => Promise<unknown> | unknown} */ check,
  /** @type {{ timeoutMs: number, intervalMs?: number, what: string }} */ {
    timeoutMs,
    intervalMs = 50,
    what,
  },
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Like waitFor, but returns false at the deadline instead of throwing. */
export async function waitUpTo(
  /** @type {() => Promise<unknown> | unknown} */ check,
  /** @type {{ timeoutMs: number, intervalMs?: number }} */ { timeoutMs, intervalMs = 50 },
) {
  try {
    await waitFor(check, { timeoutMs, intervalMs, what: '' });
    return true;
  } catch {
    return false;
  }
}

export const sleep = (/** @type {number} */ ms) =>
  new Promise((resolve) => setTimeout(resolve, ms));
