import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CONFIG_PROBE_PATH, renderNginxConfig } from './nginx-config.js';
import { type Exit, ManagedProcess } from './processes.js';
import { freePort } from './ports.js';

export const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** One line of the access log (see `log_format deliverer`). */
export interface AccessLogEntry {
  time: string;
  remote: string;
  method: string;
  uri: string;
  status: number;
  /** `127.0.0.1:PORT`, or several comma-separated when nginx failed over. */
  upstream: string;
  upstreamStatus: string;
  requestTime: number;
}

export interface NginxOptions {
  /** Replica ports; nginx refuses to start with an empty upstream. */
  upstreams: number[];
  /** Defaults to a free port. */
  port?: number;
}

/**
 * A distinct loopback source address for client `i`. Every test client comes from 127.0.0.1, so
 * `hash $remote_addr` would pin them all to one replica; Linux routes all of 127/8 to lo.
 */
export function sourceAddress(i: number): string {
  return `127.0.0.${2 + (i % 250)}`;
}

/** A real nginx in front of the replicas, like the Ingress, in a temp prefix it removes on exit. */
export class NginxProxy {
  private generation = 1;
  private reloads: Promise<unknown> = Promise.resolve();
  private logAtExit?: string;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    readonly proc: ManagedProcess,
    private current: readonly number[],
  ) {
    void proc.exited.then(() => this.cleanUp());
  }

  static async start({ upstreams, port }: NginxOptions): Promise<NginxProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'deliverer-nginx-'));
    // Started as root, the workers run as nobody and must reach the temp dirs inside.
    chmodSync(dir, 0o755);
    const listenPort = port ?? (await freePort());
    try {
      await installConfig(
        dir,
        renderNginxConfig({ dir, port: listenPort, upstreams, pinned: upstreams, generation: 1 }),
      );
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const proc = new ManagedProcess('nginx', NGINX, nginxArgs(dir));
    const proxy = new NginxProxy(listenPort, dir, proc, [...upstreams]);
    try {
      await proxy.inEffect(1);
    } catch (err) {
      await proxy.stop(1000);
      throw err;
    }
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get upstreams(): readonly number[] {
    return this.current;
  }

  get alive(): boolean {
    return this.proc.alive;
  }

  /**
   * Points nginx at these replicas with a graceful reload, as an endpoints change would. Resolves
   * once only workers with the new config accept connections; old workers keep proxying the
   * websockets they hold until those close.
   */
  setUpstreams(ports: number[], pinned: number[] = ports): Promise<void> {
    const reload = this.reloads.then(() => this.reload([...ports], [...pinned]));
    this.reloads = reload.catch(() => undefined);
    return reload;
  }

  /** Parsed access log; a websocket appears only once it has closed. */
  accessLog(): AccessLogEntry[] {
    const text = this.logAtExit ?? readIfPresent(join(this.dir, 'access.log'));
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as AccessLogEntry);
  }

  /**
   * Graceful shutdown (SIGQUIT): open connections finish first. Past `graceMs`, fast shutdown
   * (SIGTERM); never SIGKILL, which would orphan the worker.
   */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.proc.alive) return this.proc.exited;
    this.proc.signal('SIGQUIT');
    const timer = setTimeout(() => this.proc.signal('SIGTERM'), graceMs);
    const exit = await this.proc.exited;
    clearTimeout(timer);
    return exit;
  }

  private async reload(ports: number[], pinned: number[]): Promise<void> {
    const generation = this.generation + 1;
    const config = renderNginxConfig({
      dir: this.dir,
      port: this.port,
      upstreams: ports,
      pinned,
      generation,
    });
    await installConfig(this.dir, config);
    this.proc.signal('SIGHUP');
    await this.inEffect(generation);
    this.generation = generation;
    this.current = ports;
  }

  /** Waits until nginx answers with this config and no worker with an older one still accepts. */
  private async inEffect(generation: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.proc.alive) {
        throw new Error(
          `nginx exited before config ${generation} took effect\n${this.proc.describe()}`,
        );
      }
      if ((await this.probe()) === String(generation) && this.acceptingWorkers() === 1) return;
      if (Date.now() > deadline) {
        throw new Error(`nginx config ${generation} not in effect within ${timeoutMs} ms`);
      }
      await delay(20);
    }
  }

  /** The generation the worker that accepts a fresh connection runs. */
  private probe(): Promise<string | undefined> {
    return new Promise((resolve) => {
      // A fresh connection each time (no agent): a kept-alive one could stay on an old worker.
      const req = request(`${this.url}${CONFIG_PROBE_PATH}`, { agent: false, timeout: 1000 });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(undefined));
      req.end();
    });
  }

  /**
   * Workers not yet shutting down. An old worker retitles itself "worker process is shutting
   * down" as it closes its listening socket, so one left means only the newest config accepts.
   */
  private acceptingWorkers(): number {
    const pid = this.proc.pid;
    const children = readIfPresent(`/proc/${pid}/task/${pid}/children`).split(' ').filter(Boolean);
    return children.filter((child) => {
      const title = readIfPresent(`/proc/${child}/cmdline`).replaceAll('\0', ' ').trim();
      return title === 'nginx: worker process';
    }).length;
  }

  private cleanUp(): void {
    this.logAtExit = readIfPresent(join(this.dir, 'access.log'));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function nginxArgs(dir: string, config = join(dir, 'nginx.conf')): string[] {
  return ['-p', `${dir}/`, '-e', 'stderr', '-c', config, '-g', 'daemon off;'];
}

/** Validates with `nginx -t` before replacing nginx.conf, so a bad config never reaches a reload. */
async function installConfig(dir: string, config: string): Promise<void> {
  const candidate = join(dir, 'nginx.conf.next');
  writeFileSync(candidate, config);
  const check = new ManagedProcess('nginx -t', NGINX, [...nginxArgs(dir, candidate), '-t']);
  const { code } = await check.exited;
  if (code !== 0) throw new Error(`nginx rejected its config:\n${check.stderr.join('\n')}`);
  renameSync(candidate, join(dir, 'nginx.conf'));
}

function readIfPresent(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
