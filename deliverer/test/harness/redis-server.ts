import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from './processes.js';
import { freePort } from './ports.js';

export interface RedisServerOptions {
  /** TLS only, with a certificate for 127.0.0.1 from a throwaway CA (`caFile`). */
  tls?: boolean;
}

/** A real redis-server on a free port, with nothing persisted, that tests can stop and freeze. */
export class RedisServer {
  private proc?: ManagedProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'deliverer-redis-'));

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const redis = new RedisServer(await freePort(), options);
    if (options.tls) redis.issueCertificate();
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `${this.options.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  /** The URL with credentials, for a Redis ACL user. */
  urlFor(user: string, password: string): string {
    const url = new URL(this.url);
    url.username = user;
    url.password = password;
    return url.toString();
  }

  /** The CA that signed the TLS certificate, for NODE_EXTRA_CA_CERTS. */
  get caFile(): string {
    return join(this.dir, 'ca.crt');
  }

  /** Starts (again) on the same port, as a restarted Redis would come back. */
  async restart(): Promise<void> {
    const file = (name: string) => join(this.dir, name);
    const listen = this.options.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    const certificate = this.options.tls
      ? ['--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key')]
      : [];
    this.proc = new ManagedProcess('redis-server', 'redis-server', [
      ...listen,
      ...certificate,
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

  /** Trusted only by the processes a test gives `caFile`; EC keys take milliseconds, RSA a second. */
  private issueCertificate(): void {
    const openssl = (args: string) =>
      execFileSync('openssl', args.split(' '), { cwd: this.dir, stdio: 'pipe' });
    const newKey = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
    openssl(`req -x509 ${newKey} -keyout ca.key -out ca.crt -subj /CN=test-ca -days 1`);
    openssl(`req ${newKey} -keyout server.key -out server.csr -subj /CN=redis`);
    writeFileSync(join(this.dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      'x509 -req -in server.csr -out server.crt -extfile san.ext -CA ca.crt -CAkey ca.key -CAcreateserial -days 1',
    );
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
