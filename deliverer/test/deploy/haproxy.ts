import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '../harness/eventually.js';
import { type Exit, ManagedProcess } from '../harness/processes.js';
import { freePort } from '../harness/ports.js';

const run = promisify(execFile);

export const HAPROXY = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';

/** A config as sections (`global`, `defaults`, `backend deliverer`...) of directive lines. */
export function haproxySections(text: string): Map<string, string[][]> {
  const sections = new Map<string, string[][]>();
  let current: string[][] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    if (/^\S/.test(raw)) {
      current = [];
      sections.set(words.join(' '), current);
    } else {
      if (!current) throw new Error(`haproxy config: "${line}" outside a section`);
      current.push(words);
    }
  }
  return sections;
}

/** An HAProxy time (`60s`, `1m`, a bare number of milliseconds) in milliseconds. */
export function haproxyTimeMs(text: string): number {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(text);
  if (!m) throw new Error(`not an HAProxy time: ${text}`);
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'];
  return Number(m[1]) * unit!;
}

/** `haproxy -c`: exit code and everything it printed. */
export async function haproxyCheck(path: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(HAPROXY, ['-c', '-f', path], { timeout: 10_000 });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const {
      stdout = '',
      stderr = '',
      message,
    } = err as Error & { stdout?: string; stderr?: string };
    return { ok: false, output: `${message}\n${stdout}${stderr}` };
  }
}

/**
 * The shipped config pointed at replicas on this machine: every `server <name> <address>` gets
 * 127.0.0.1 and the replica's port, and `bind` a free loopback port. Everything else runs as
 * shipped. Fails rather than run a config that differs in some other way.
 */
export function localHaproxyConfig(
  shipped: string,
  port: number,
  servers: Record<string, number>,
): string {
  const seen = new Set<string>();
  let binds = 0;
  const config = shipped
    .replace(/^(\s*bind\s+)\S+/gm, (_m, head: string) => {
      binds++;
      return `${head}127.0.0.1:${port}`;
    })
    .replace(/^(\s*server\s+(\S+)\s+)\S+/gm, (_m, head: string, name: string) => {
      const local = servers[name];
      if (local === undefined) throw new Error(`no local replica for server ${name}`);
      seen.add(name);
      return `${head}127.0.0.1:${local}`;
    });
  if (binds !== 1) throw new Error(`expected one bind line, found ${binds}`);
  const missing = Object.keys(servers).filter((name) => !seen.has(name));
  if (missing.length > 0) throw new Error(`no server line for ${missing.join(', ')}`);
  return config;
}

/** One `option httplog` line: who asked what, which server answered, with what status. */
export interface HttpLogEntry {
  client: string;
  frontend: string;
  backend: string;
  server: string;
  status: number;
  method: string;
  uri: string;
}

// 127.0.0.1:5000 [25/Nov/2026:07:30:00.123] fe be/srv 0/0/0/1/1 200 260 - - ---- 1/1/0/0/0 0/0 "GET /x HTTP/1.1"
const HTTPLOG =
  /^(\S+) \[[^\]]+\] (\S+) ([^/\s]+)\/(\S+) \S+ (-?\d+) \S+ .*"(\S+) (\S+)(?: \S+)?"$/;

export function parseHttpLog(line: string): HttpLogEntry | undefined {
  const m = HTTPLOG.exec(line);
  if (!m) return undefined;
  const [, client, frontend, backend, server, status, method, uri] = m;
  return {
    client: client!,
    frontend: frontend!,
    backend: backend!,
    server: server!,
    status: Number(status),
    method: method!,
    uri: uri!,
  };
}

/** A real HAProxy in the foreground, logging to stdout as it would in a container. */
export class HAProxy {
  private constructor(
    readonly port: number,
    readonly proc: ManagedProcess,
    private readonly dir: string,
  ) {}

  /** Starts with `config(port)` on a free port, once it proxies `readyPath` with a 200. */
  static async start(config: (port: number) => string, readyPath = '/readyz'): Promise<HAProxy> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'deliverer-haproxy-'));
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config(port));
    const proxy = new HAProxy(
      port,
      new ManagedProcess('haproxy', HAPROXY, ['-f', file, '-db']),
      dir,
    );
    try {
      await eventually(async () => {
        const res = await fetch(`${proxy.url}${readyPath}`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200;
      }, `HAProxy proxies ${readyPath}`);
    } catch (err) {
      await proxy.stop();
      throw new Error(`${(err as Error).message}\n${proxy.proc.describe()}`, { cause: err });
    }
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every request HAProxy has finished; one still open (a held long-poll) is not in it yet. */
  httpLog(): HttpLogEntry[] {
    return this.proc.stdout.flatMap((line) => parseHttpLog(line) ?? []);
  }

  async stop(): Promise<Exit> {
    const exit = await this.proc.stop();
    rmSync(this.dir, { recursive: true, force: true });
    return exit;
  }
}
