import { eventually } from '../../deliverer/test/harness/eventually.js';
import { gatewayEnv, spawnGateway } from '../../deliverer/test/harness/gateway.js';
import type { Exit, ManagedProcess } from '../../deliverer/test/harness/processes.js';
import { say, streamLines } from './log.js';

export interface ReplicaSettings {
  redisUrl: string;
  /** Extra environment (DRAIN_DELAY_MS, DRAIN_WINDOW_MS). */
  env: Record<string, string>;
  /** terminationGracePeriodSeconds: past it, SIGKILL. */
  graceMs: number;
}

/** One pod of the Deployment: `node deliverer/dist/main.js`, configured by its environment. */
export class Replica {
  readonly proc: ManagedProcess;
  private stopped?: Promise<{ exit: Exit; ms: number }>;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly settings: ReplicaSettings,
  ) {
    this.proc = spawnGateway(name, {
      ...gatewayEnv({
        name,
        mode: 'redis-streams',
        redisUrl: settings.redisUrl,
        env: settings.env,
      }),
      PORT: String(port),
    });
    streamLines(this.proc);
    void this.proc.exited.then((exit) => {
      if (!this.stopped) say(`${name} ${describeExit(exit)} without being stopped`);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Like a readinessProbe: resolves once GET /readyz answers 200. */
  async ready(timeoutMs = 30_000): Promise<void> {
    await this.proc.waitForLine(/"msg":"deliverer listening"/, timeoutMs);
    await eventually(
      async () => !this.proc.alive || (await this.readyz()) === 200,
      `${this.name}: GET /readyz answers 200`,
      timeoutMs,
      250,
    );
    if (!this.proc.alive) throw new Error(`${this.name} exited before it was ready`);
  }

  /**
   * SIGTERM, then SIGKILL once the grace period is over, as the kubelet does. Once: a rollout and
   * Ctrl-C may both stop a replica, and a second SIGTERM must not cut its drain short.
   */
  stop(): Promise<{ exit: Exit; ms: number }> {
    const started = Date.now();
    this.stopped ??= this.proc
      .stop(this.settings.graceMs)
      .then((exit) => ({ exit, ms: Date.now() - started }));
    return this.stopped;
  }

  private async readyz(): Promise<number> {
    const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status;
  }
}

export function describeExit({ code, signal }: Exit): string {
  return signal ? `ended by ${signal}` : `exited with code ${code}`;
}
