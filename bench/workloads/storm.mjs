/**
 * W4: real clients on both replicas, one replica killed with SIGKILL and restarted at once; how
 * long until every client is connected again, and who never comes back.
 */
import { cpuWindow } from '../lib/measure.mjs';
import { percentile, round } from '../lib/stats.mjs';
import reconnectPolicy from '../../client/src/realtime/reconnect-policy.json' with { type: 'json' };

/** @param {import('../lib/measure.mjs').RunContext} ctx */
export async function storm(ctx) {
  const { config, gen, replicas } = ctx;
  const per = Math.floor(config.stormClients / 2);
  const connected = await Promise.all(
    gen.storms.map((s, i) =>
      s.call(
        'connect',
        {
          url: replicas[i].url,
          count: per,
          inflight: 100,
          addresses: config.addresses,
          // Each system's own client: deliverer's reconnect policy, the library's defaults for B.
          reconnect: ctx.system === 'D' ? reconnectPolicy : {},
        },
        120_000,
      ),
    ),
  );
  const window = cpuWindow(ctx, 'W4 storm');
  const { killedAt, bootMs } = await replicas[1].killAndRestart();
  const [victims, survivors] = await Promise.all([
    gen.storms[1].call(
      'waitRecovered',
      { since: killedAt, timeoutMs: config.stormBoundMs },
      config.stormBoundMs + 10_000,
    ),
    gen.storms[0].call('status'),
  ]);
  const cpu = window.end();
  const clients = victims.clients + survivors.clients;
  const returned = victims.returned + survivors.connected;
  const result = {
    clients,
    killedReplicaClients: victims.clients,
    connectMs: round(Math.max(...connected.map((c) => c.ms)), 0),
    restartBootMs: round(bootMs, 0),
    returned,
    neverReturned: clients - returned,
    survivorDrops: survivors.dropped,
    recoveryMs:
      victims.neverReturned === 0 && victims.lastUpAt !== undefined
        ? victims.lastUpAt - killedAt
        : undefined,
    downtimeP50Ms: round(percentile(victims.downtimesMs, 50), 0),
    downtimeP95Ms: round(percentile(victims.downtimesMs, 95), 0),
    downtimeMaxMs: round(percentile(victims.downtimesMs, 100), 0),
    boundMs: config.stormBoundMs,
    cpu,
  };
  ctx.log(
    `  W4 storm ${clients}: all back after ${result.recoveryMs ?? '-'} ms (restart took ${result.restartBootMs} ms), never returned ${result.neverReturned}`,
  );
  await Promise.all(gen.storms.map((s) => s.call('close')));
  return result;
}
