const ALLOWED_PROTOCOLS = new Set(['http:', 'https:', 'ws:', 'wss:']);

/**
 * Picks the gateway URL: `?server=` wins over the build-time `VITE_DELIVERER_URL`.
 * `undefined` means same origin, which is how the NestJS server and the Vite proxy serve us.
 */
export function resolveServerUrl(search: string, envUrl?: string): string | undefined {
  const fromQuery = new URLSearchParams(search).get('server');
  return parseServerUrl(fromQuery) ?? parseServerUrl(envUrl);
}

function parseServerUrl(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  try {
    // A typo such as `?server=javascript:...` must fall back to same origin, not reach io().
    const url = new URL(trimmed);
    return ALLOWED_PROTOCOLS.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}
