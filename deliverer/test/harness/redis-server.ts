import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from './processes.js';
import { freePort } from './ports.js';

/** A real redis-server on a free port, with nothing persisted, that tests can stop and freeze. */
export class RedisServer {
  private proc?: ManagedProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'deliverer-redis-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const redis = new RedisServer(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port, as a restarted Redis would come back. */
  async restart(): Promise<void> {
    this.proc = new ManagedProcess('redis-server', 'redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
    ]);
    await this.proc.waitForLine(/Ready to accept connections/);
  }

  /** Shuts Redis down cleanly: clients see the connection close. */
  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  /** Freezes Redis: connections stay open and nothing answers, like a hung host. */
  freeze(): void {
    this.proc?.signal('SIGSTOP');
  }

  thaw(): void {
    this.proc?.signal('SIGCONT');
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
