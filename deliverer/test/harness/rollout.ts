import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { TestClient } from './clients.js';
import { Gateway, type GatewayOptions } from './gateway.js';
import type { NginxProxy } from './nginx.js';

/**
 * Replaces every replica the way `kubectl rollout restart` does with maxSurge 1 and
 * maxUnavailable 0: start the new one, wait until it is ready and in the upstreams, take the old one
 * out of the upstreams (endpoint removal), SIGTERM it, and wait for it to exit.
 */
export async function rollingRestart(
  nodes: Gateway[],
  nginx: NginxProxy,
  template: Omit<GatewayOptions, 'name'>,
  nameOf: (index: number) => string,
): Promise<{ replaced: Gateway[]; exitCodes: (number | null)[] }> {
  const live = [...nodes];
  const exitCodes: (number | null)[] = [];
  for (const [i, old] of nodes.entries()) {
    const fresh = await Gateway.start({ ...template, name: nameOf(i) });
    live.push(fresh);
    await nginx.setUpstreams(live.map((node) => node.port));
    live.splice(live.indexOf(old), 1);
    // Out of the pool for new sessions; its pinned sessions reach it until it has handed them over.
    await nginx.setUpstreams(
      live.map((node) => node.port),
      [...live, old].map((node) => node.port),
    );
    old.proc.signal('SIGTERM');
    exitCodes.push((await old.proc.exited).code);
    await nginx.setUpstreams(live.map((node) => node.port));
  }
  return { replaced: live, exitCodes };
}

/**
 * Publishes numbered messages at a fixed rate, each with its own clientMsgId, through a client
 * with socket.io's retries: a send whose replica drains before the ack is re-sent after the
 * reconnect, and the gateway dedupes it.
 */
export function publishAtRate(publisher: TestClient, prefix: string, perSecond: number) {
  const texts: string[] = [];
  let running = true;
  const done = (async () => {
    const pending: Promise<unknown>[] = [];
    for (let n = 0; running; n++) {
      const text = `${prefix} ${n}`;
      texts.push(text);
      pending.push(publisher.emitWithAck('input_event', { text, clientMsgId: randomUUID() }));
      await delay(1000 / perSecond);
    }
    return Promise.all(pending);
  })();
  return {
    texts,
    /** Stops publishing and resolves with every ack once all sends are acked. */
    stop: async () => {
      running = false;
      return done;
    },
  };
}

export interface DeliveryReport {
  clients: number;
  published: number;
  reconnects: number;
  recovered: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
}

/** Compares what each client received against what was published, in order. */
export function deliveryReport(clients: TestClient[], published: string[]): DeliveryReport {
  const expected = new Set(published);
  let lost = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  for (const client of clients) {
    const got = client.received.map((m) => m.text).filter((text) => expected.has(text));
    const seen = new Set(got);
    lost += published.filter((text) => !seen.has(text)).length;
    duplicates += got.length - seen.size;
    const order = got.map((text) => published.indexOf(text));
    outOfOrder += order.filter((index, i) => i > 0 && index < order[i - 1]!).length;
  }
  const reconnects = clients.flatMap((client) => client.sessions.slice(1));
  return {
    clients: clients.length,
    published: published.length,
    reconnects: reconnects.length,
    recovered: reconnects.filter((session) => session.recovered).length,
    lost,
    duplicates,
    outOfOrder,
  };
}
