import { stopAll } from './processes.js';
import { closeAllClients } from './clients.js';
import { Gateway, type AdapterMode } from './gateway.js';
import { RedisServer } from './redis-server.js';

/** One real Redis plus N replicas in a given adapter mode, started and torn down together. */
export class Cluster {
  private constructor(
    readonly redis: RedisServer | undefined,
    readonly nodes: Gateway[],
  ) {}

  static async start(
    mode: AdapterMode,
    replicas: number,
    env: Record<string, string> = {},
  ): Promise<Cluster> {
    const redis = mode === 'memory' ? undefined : await RedisServer.start();
    const nodes = await Promise.all(
      Array.from({ length: replicas }, (_, i) =>
        Gateway.start({
          name: `node-${String.fromCharCode(97 + i)}`,
          mode,
          redisUrl: redis?.url,
          env,
        }),
      ),
    );
    return new Cluster(redis, nodes);
  }

  async stop(): Promise<void> {
    closeAllClients();
    await Promise.all(this.nodes.map((node) => node.stop()));
    await this.redis?.dispose();
    await stopAll();
  }
}
