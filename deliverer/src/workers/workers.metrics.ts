import type { Worker } from 'node:cluster';
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';
import { METRICS_REPLY, METRICS_REQUEST, isMessage } from './workers.messages.js';

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

// A worker busy with a long GC or a burst must not make the scrape hang; Prometheus times out at 10 s.
const REPLY_TIMEOUT_MS = 3000;

/** In a worker: answers the primary's metrics requests with this registry. Returns the stopper. */
export function answerMetricsRequests(registry: Registry): () => void {
  const onMessage = (message: unknown) => {
    if (!isMessage(message, METRICS_REQUEST)) return;
    const { id } = message as { id: number };
    void registry
      .getMetricsAsJSON()
      .then((metrics) => process.send?.({ type: METRICS_REPLY, id, metrics }));
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}

/** In the primary: the sum of every live worker's metrics, as Prometheus text. */
export function workersExposition(workers: () => Iterable<Worker>) {
  let nextId = 0;
  return {
    contentType: AggregatorRegistry.PROMETHEUS_CONTENT_TYPE,
    async metrics(): Promise<string> {
      const id = ++nextId;
      const replies = [...workers()]
        .filter((worker) => worker.isConnected())
        .map((worker) => askWorker(worker, id));
      const settled = await Promise.all(replies);
      const aggregated = AggregatorRegistry.aggregate(
        settled.filter((metrics): metrics is WorkerMetrics => metrics !== undefined) as never,
      );
      return aggregated.metrics();
    },
  };
}

function askWorker(worker: Worker, id: number): Promise<WorkerMetrics | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(finish, REPLY_TIMEOUT_MS);
    function finish(metrics?: WorkerMetrics) {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(metrics);
    }
    function onMessage(message: unknown) {
      if (isMessage(message, METRICS_REPLY) && (message as { id: number }).id === id) {
        finish((message as unknown as { metrics: WorkerMetrics }).metrics);
      }
    }
    worker.on('message', onMessage);
    worker.send({ type: METRICS_REQUEST, id });
  });
}
