/**
 * Numbers the app's defaults, the local cluster (`npm run cluster`) and the Kubernetes manifests
 * must agree on. The manifests cannot import this file; a test checks them against it.
 */
export const TOPOLOGY = {
  /** Public port of a replica (Service `deliverer-svc` targets it). */
  port: 3000,
  /** Prometheus scrape port of a replica; no Service or Ingress routes to it. */
  metricsPort: 9464,
  /** Port of nginx in the local cluster, standing in for the Ingress. */
  proxyPort: 8080,
  /** nginx / Ingress proxy-read-timeout and proxy-send-timeout, in seconds. */
  proxyTimeoutSeconds: 3600,
  /** After SIGTERM, how long a replica keeps serving while endpoints and the Ingress drop it. */
  drainDelayMs: 5000,
  /** Window over which a draining replica spreads the disconnects of its sockets. */
  drainWindowMs: 10_000,
  /** Closing the adapter, Redis and HTTP after the window, with margin. */
  drainMarginMs: 5000,
  /** How long a disconnected session can be recovered on any replica. */
  recoveryWindowMs: 120_000,
} as const;

/** DRAIN_DELAY_MS + DRAIN_WINDOW_MS + margin: the least terminationGracePeriodSeconds must exceed. */
export function drainBudgetMs(drainDelayMs: number, drainWindowMs: number): number {
  return drainDelayMs + drainWindowMs + TOPOLOGY.drainMarginMs;
}
