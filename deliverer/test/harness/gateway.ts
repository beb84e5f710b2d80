import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from './processes.js';
import { type Scrape, scrape } from './metrics.js';
import { freePort } from './ports.js';

export const GATEWAY_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export type AdapterMode = 'memory' | 'redis' | 'redis-sharded' | 'redis-streams';

export interface GatewayOptions {
  name: string;
  mode?: AdapterMode;
  redisUrl?: string;
  env?: Record<string, string>;
}

/** Environment for one replica in a given adapter mode, with test-friendly timings. */
export function gatewayEnv({
  name,
  mode = 'memory',
  redisUrl,
  env,
}: GatewayOptions): Record<string, string> {
  return {
    POD_NAME: name,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DELIVERER_ADAPTER: mode === 'redis-sharded' ? 'redis' : mode,
    ...(mode === 'redis-sharded' ? { REDIS_SHARDED: 'true' } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    // The streams adapter's blocking XREAD holds shutdown until it returns.
    REDIS_STREAMS_BLOCK_MS: '300',
    // Teardown would otherwise wait out the production drain; drain tests set their own.
    DRAIN_DELAY_MS: '0',
    DRAIN_WINDOW_MS: '0',
    ...env,
  };
}

/** Spawns `node deliverer/dist/main.js`, exactly as operators run a replica. */
export function spawnGateway(name: string, env: Record<string, string>): ManagedProcess {
  if (!existsSync(GATEWAY_MAIN)) {
    throw new Error(`${GATEWAY_MAIN} is missing: run \`npm run build\` first (npm test does)`);
  }
  // Keep the parent's environment out: a stray REDIS_URL must not change what a test runs.
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(REDIS_|DELIVERER_|PORT$|METRICS_|POD_NAME$|CORS_|MAX_|PING_|LOG_|AUTH_|RATE_LIMIT_|TRUSTED_|ALLOW_|API_)/.test(
          key,
        ),
    ),
  );
  // Replicas on one machine would all claim the default metrics port; tests that scrape pick one.
  const metrics = { METRICS_PORT: '0' };
  return new ManagedProcess(
    name,
    process.execPath,
    [GATEWAY_MAIN],
    { ...clean, ...metrics, ...env },
    false,
  );
}

export class Gateway {
  private constructor(
    readonly name: string,
    readonly port: number,
    readonly proc: ManagedProcess,
    readonly metricsPort: number,
  ) {}

  static async start(options: GatewayOptions): Promise<Gateway> {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const proc = spawnGateway(options.name, {
      METRICS_PORT: String(metricsPort),
      ...gatewayEnv(options),
      PORT: String(port),
    });
    await proc.waitForLine(/"msg":"deliverer listening"/);
    return new Gateway(options.name, port, proc, metricsPort);
  }

  /** This replica's metrics, scraped now from METRICS_PORT. */
  metrics(): Promise<Scrape> {
    return scrape(`http://127.0.0.1:${this.metricsPort}/metrics`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async readiness(): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.json() };
  }

  get alive(): boolean {
    return this.proc.alive;
  }

  stop() {
    return this.proc.stop();
  }
}
