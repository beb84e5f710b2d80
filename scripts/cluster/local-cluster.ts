import { TOPOLOGY, drainBudgetMs } from '../../deliverer/src/config/topology.js';
import { NginxProxy } from '../../deliverer/test/harness/nginx.js';
import { freePort } from '../../deliverer/test/harness/ports.js';
import type { Exit } from '../../deliverer/test/harness/processes.js';
import { RedisServer } from '../../deliverer/test/harness/redis-server.js';
import { say, streamLines } from './log.js';
import type { ClusterOptions } from './options.js';
import { Replica, type ReplicaSettings, describeExit } from './replica.js';

/** The Kubernetes deployment on one machine: Redis, a Deployment of replicas, nginx as Ingress. */
export class LocalCluster {
  private redis?: RedisServer;
  private nginx?: NginxProxy;
  /** The replicas nginx sends to, like the Service's ready endpoints. */
  private serving: Replica[] = [];
  /** Every replica still running, serving or not (starting, draining). */
  private readonly running = new Set<Replica>();
  private ordinal = 0;
  private rolling?: Promise<void>;
  private stopping = false;

  constructor(private readonly options: ClusterOptions) {}

  async start(): Promise<void> {
    this.redis = await RedisServer.start();
    this.serving = await Promise.all(
      Array.from({ length: this.options.replicas }, () => this.startReplica()),
    );
    this.nginx = await NginxProxy.start({ upstreams: this.ports(), port: TOPOLOGY.proxyPort });
    // Reloads log a dozen notices each; warnings and errors are worth showing.
    streamLines(this.nginx.proc, (line) => !line.includes('[notice]'));
  }

  describe(): string {
    const rows = [
      ...this.serving.map((r) => [r.name, r.url, 'replica (redis-streams)']),
      ['redis', this.redis!.url, 'fan-out and session recovery'],
      ['nginx', this.nginx!.url, `→ ${this.serving.map((r) => r.name).join(', ')}`],
    ];
    const width = [0, 1].map((col) => Math.max(...rows.map((row) => row[col]!.length)));
    return [
      ...rows.map(
        ([name, url, what]) => `  ${name!.padEnd(width[0]!)}  ${url!.padEnd(width[1]!)}  ${what}`,
      ),
      '',
      `  open ${this.nginx!.url}/   ·   r + Enter: rollout restart   ·   Ctrl-C: stop`,
    ].join('\n');
  }

  /** `kubectl rollout restart` with maxSurge 1, maxUnavailable 0; one rollout at a time. */
  rollout(): Promise<void> {
    if (this.rolling) {
      say('a rollout is already running');
      return this.rolling;
    }
    this.rolling = this.replaceEach().finally(() => (this.rolling = undefined));
    return this.rolling;
  }

  /** Replicas drain first, so their clients are told to go while nginx still answers. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.running].map(async (replica) => reportStop(replica, await replica.stop())),
    );
    await this.nginx?.stop();
    await this.redis?.dispose();
  }

  /** After killAll(): removes the temp dirs of nginx and Redis once their exits are reported. */
  async afterKill(): Promise<void> {
    await Promise.all([this.nginx?.stop(), this.redis?.dispose()]);
  }

  private async replaceEach(): Promise<void> {
    const old = [...this.serving];
    say(`rollout: replacing ${old.map((r) => r.name).join(', ')}, one at a time`);
    for (const previous of old) {
      const next = await this.startReplica();
      this.serving.push(next);
      await this.nginx!.setUpstreams(this.ports());
      say(`${next.name} ready and added to nginx`);
      // What the removal of a pod's endpoint does; the kubelet's SIGTERM follows.
      this.serving = this.serving.filter((r) => r !== previous);
      await this.nginx!.setUpstreams(this.ports());
      say(`${previous.name} removed from nginx; SIGTERM`);
      const stopped = await previous.stop();
      if (this.stopping) return; // stop() reports it
      reportStop(previous, stopped);
    }
    say(`rollout complete: ${this.serving.map((r) => r.name).join(', ')}`);
  }

  private async startReplica(): Promise<Replica> {
    if (this.stopping) throw new Error('stopping');
    const replica = new Replica(`deliverer-${++this.ordinal}`, await freePort(), this.settings());
    this.running.add(replica);
    void replica.proc.exited.then(() => this.running.delete(replica));
    try {
      await replica.ready();
    } catch (err) {
      await replica.stop();
      throw err;
    }
    return replica;
  }

  private settings(): ReplicaSettings {
    const { drainDelayMs, drainWindowMs } = this.options;
    return {
      redisUrl: this.redis!.url,
      env: {
        ...(drainDelayMs === undefined ? {} : { DRAIN_DELAY_MS: String(drainDelayMs) }),
        ...(drainWindowMs === undefined ? {} : { DRAIN_WINDOW_MS: String(drainWindowMs) }),
      },
      graceMs: drainBudgetMs(
        drainDelayMs ?? TOPOLOGY.drainDelayMs,
        drainWindowMs ?? TOPOLOGY.drainWindowMs,
      ),
    };
  }

  private ports(): number[] {
    return this.serving.map((r) => r.port);
  }
}

function reportStop(replica: Replica, { exit, ms }: { exit: Exit; ms: number }): void {
  const overran = exit.signal === 'SIGKILL' ? ' (its grace period was over)' : '';
  say(`${replica.name} ${describeExit(exit)} after draining ${seconds(ms)}${overran}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
