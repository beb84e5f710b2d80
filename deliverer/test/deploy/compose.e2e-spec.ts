import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseConfig } from '../../src/config/app.config.js';
import { TOPOLOGY, drainBudgetMs } from '../../src/config/topology.js';
import { configVariables } from '../harness/config-variables.js';
import { Gateway } from '../harness/gateway.js';
import { AFFINITY_COOKIE, CONFIG_PROBE_PATH, renderNginxConfig } from '../harness/nginx-config.js';
import {
  type ComposeFile,
  type ComposeService,
  addressOf,
  composeSchemaErrors,
  durationMs,
  environmentOf,
  loadCompose,
  replicaServices,
} from './compose-file.js';
import { containerEnv, readRepoFile, repoPath } from './deploy-files.js';
import { type Directive, find, nginxTest, parseNginxConfig } from './nginx-conf.js';

const run = promisify(execFile);

const NGINX_CONF = 'deploy/nginx/nginx.conf';
/** Two shells Compose may run in: the defaults, and an operator who set the password. */
const SHELLS: Record<string, string>[] = [{}, { REDIS_PASSWORD: 'n0t-the-default' }];

const compose = loadCompose();
const replicas = replicaServices(compose);

function service(file: ComposeFile, name: string): ComposeService {
  const found = file.services[name];
  if (!found) throw new Error(`docker-compose.yaml has no service ${name}`);
  return found;
}

function redisPassword(file: ComposeFile): string {
  const command = service(file, 'redis').command;
  expect(Array.isArray(command)).toBe(true);
  const args = command as string[];
  const at = args.indexOf('--requirepass');
  expect(at).toBeGreaterThan(0);
  return args[at + 1]!;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inSubnet(address: string, subnet: string): boolean {
  const [base, bits] = subnet.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4ToNumber(address) / size) === Math.floor(ipv4ToNumber(base!) / size);
}

describe('docker-compose.yaml', () => {
  test.each(SHELLS)('is a valid Compose file (shell %j)', (shell) => {
    expect(composeSchemaErrors(loadCompose(shell))).toEqual([]);
  });

  test('runs a pinned Redis with a password and a healthcheck that needs it', () => {
    const redis = service(compose, 'redis');
    expect(redis.image).toMatch(/^redis:\d+\.\d+\.\d+-alpine$/);
    for (const shell of SHELLS) {
      const file = loadCompose(shell);
      const password = redisPassword(file);
      expect(password).toEqual(shell.REDIS_PASSWORD ?? expect.stringMatching(/.+/));
      expect(environmentOf(service(file, 'redis')).REDISCLI_AUTH).toBe(password);
    }
    // redis-cli exits 0 on NOAUTH too: only a PONG proves Redis answers this password.
    expect(redis.healthcheck?.test).toEqual(['CMD-SHELL', 'redis-cli ping | grep -q PONG']);
  });

  test('runs two replicas of the image with redis-streams, configured only by variables the app reads', () => {
    const { version } = JSON.parse(readRepoFile('deliverer/package.json')) as { version: string };
    expect(replicas.map(([name]) => name)).toEqual(['deliverer-1', 'deliverer-2']);
    const known = configVariables();
    for (const shell of SHELLS) {
      const file = loadCompose(shell);
      const password = redisPassword(file);
      for (const [name, replica] of replicaServices(file)) {
        expect(replica.image).toBe(`deliverer:${version}`);
        expect(replica.build).toEqual({ context: '.', dockerfile: 'deliverer/Dockerfile' });
        const env = environmentOf(replica);
        expect(Object.keys(env).filter((key) => !known.has(key))).toEqual([]);
        const config = parseConfig(env);
        expect(config).toMatchObject({ adapter: 'redis-streams', nodeName: name });
        const url = config.redis!.url;
        expect(file.services[url.hostname]).toBeDefined();
        expect({ port: url.port, password: decodeURIComponent(url.password) }).toEqual({
          port: '6379',
          password,
        });
      }
    }
  });

  test('starts each service once what it depends on is healthy', () => {
    const dependencies = Object.entries(compose.services).flatMap(([name, svc]) =>
      svc.depends_on ? [[name, svc.depends_on] as const] : [],
    );
    expect(Object.fromEntries(dependencies.map(([name, on]) => [name, Object.keys(on)]))).toEqual(
      expect.objectContaining({
        'deliverer-1': ['redis'],
        'deliverer-2': ['redis'],
        nginx: ['deliverer-1', 'deliverer-2'],
      }),
    );
    for (const [name, on] of dependencies) {
      // The list form means "started", which a replica is long before Redis answers.
      expect({ name, on: Array.isArray(on) ? 'list form' : 'conditions' }).toEqual({
        name,
        on: 'conditions',
      });
      for (const [dependency, { condition }] of Object.entries(on)) {
        expect({ name, dependency, condition }).toEqual({
          name,
          dependency,
          condition: 'service_healthy',
        });
        expect(service(compose, dependency).healthcheck).toBeDefined();
      }
    }
  });

  test('gives a replica longer to stop than its drain takes', () => {
    for (const [name, replica] of replicas) {
      const config = parseConfig(environmentOf(replica));
      const budget = drainBudgetMs(config.drainDelayMs, config.drainWindowMs);
      // Unset, Docker waits 10 s before SIGKILL.
      const graceMs = durationMs(replica.stop_grace_period ?? '10s');
      expect({ name, graceMs, overBudget: graceMs > budget }).toEqual({
        name,
        graceMs,
        overBudget: true,
      });
    }
  });

  describe('the replicas healthcheck', () => {
    const healthcheck = replicas[0]![1].healthcheck!;
    const container = (port: number) => ['-i', ...containerEnv({ PORT: String(port) })];

    test('asks /readyz, in exec form', () => {
      expect(Array.isArray(healthcheck.test) && healthcheck.test[0]).toBe('CMD');
      expect(String(healthcheck.test)).toMatch(/\/readyz/);
      for (const [, replica] of replicas) expect(replica.healthcheck).toEqual(healthcheck);
    });

    test('passes on a ready replica and fails once it is gone', async () => {
      const command = (healthcheck.test as string[]).slice(1);
      const gateway = await Gateway.start({ name: 'compose-healthcheck' });
      try {
        await run('env', [...container(gateway.port), ...command], { timeout: 10_000 });
      } finally {
        await gateway.stop();
      }
      await expect(
        run('env', [...container(gateway.port), ...command], { timeout: 10_000 }),
      ).rejects.toMatchObject({ code: 1 });
    });
  });

  describe('nginx', () => {
    const nginx = service(compose, 'nginx');
    const conf = parseNginxConfig(readRepoFile(NGINX_CONF));
    const http = find(conf, 'http').block!;
    const server = find(http, 'server').block!;
    const replicaAddresses = replicas.map(([name, replica]) => {
      const address = addressOf(replica);
      if (!address) throw new Error(`${name} has no fixed address`);
      return `${address}:${TOPOLOGY.port}`;
    });

    test('publishes the proxy port and mounts deploy/nginx/nginx.conf', () => {
      expect(nginx.image).toMatch(/^nginx:\d+\.\d+(\.\d+)?-alpine$/);
      expect(nginx.ports).toEqual([`${TOPOLOGY.proxyPort}:${TOPOLOGY.proxyPort}`]);
      expect(nginx.volumes).toContain(`./${NGINX_CONF}:/etc/nginx/nginx.conf:ro`);
      expect(find(server, 'listen').args).toEqual([String(TOPOLOGY.proxyPort)]);
    });

    test('deploy/nginx/nginx.conf passes nginx -t as shipped', async () => {
      // Upstreams are addresses, not names, so the check needs no Docker DNS.
      expect(existsSync(repoPath(NGINX_CONF))).toBe(true);
      const { ok, output } = await nginxTest(repoPath(NGINX_CONF));
      expect(output).toMatch(/test is successful/);
      expect(ok).toBe(true);
    });

    test('balances and pins to exactly the replicas, at addresses on the Compose network', () => {
      const subnet = compose.networks?.default?.ipam?.config?.[0]?.subnet;
      expect(subnet).toBeDefined();
      for (const address of replicaAddresses) {
        expect({ address, inSubnet: inSubnet(address.split(':')[0]!, subnet!) }).toEqual({
          address,
          inSubnet: true,
        });
      }
      const upstream = find(http, 'upstream', 'deliverer').block!;
      expect(upstream.filter((d) => d.name === 'server').map((d) => d.args[0])).toEqual(
        replicaAddresses,
      );
      const pins = find(http, 'map', `$cookie_${AFFINITY_COOKIE}`, '$pinned_upstream').block!;
      expect(pins.filter((d) => d.name !== 'default').map((d) => d.args[0])).toEqual(
        replicaAddresses,
      );
      expect(pins.every((d) => d.name === 'default' || d.name === d.args[0])).toBe(true);
      expectAnswering(http, replicaAddresses);
    });

    test('carries the essential proxy settings in every proxying location', () => {
      const timeout = `${TOPOLOGY.proxyTimeoutSeconds}s`;
      expect(find(http, 'upstream', 'deliverer').block).toContainEqual({
        name: 'hash',
        args: ['$remote_addr', 'consistent'],
      });
      const locations = server.filter((d) => d.name === 'location' && d.block);
      expect(locations.map((d) => d.args.join(' '))).toEqual(['@pool', '/']);
      for (const location of locations) {
        expect(location.block).toEqual(
          expect.arrayContaining([
            { name: 'proxy_http_version', args: ['1.1'] },
            { name: 'proxy_set_header', args: ['Upgrade', '$http_upgrade'] },
            { name: 'proxy_set_header', args: ['Connection', '$connection_upgrade'] },
            { name: 'proxy_read_timeout', args: [timeout] },
            { name: 'proxy_send_timeout', args: [timeout] },
            { name: 'proxy_buffering', args: ['off'] },
            { name: 'proxy_next_upstream', args: expect.arrayContaining(['error', 'http_503']) },
            {
              name: 'add_header',
              args: [
                'Set-Cookie',
                expect.stringMatching(new RegExp(`^${AFFINITY_COOKIE}=\\$answering_upstream;`)),
                'always',
              ],
            },
          ]),
        );
      }
    });

    test('has the same settings as the local cluster nginx, apart from paths and addresses', () => {
      const ports = [41_001, 41_002];
      const cluster = parseNginxConfig(
        renderNginxConfig({
          dir: '/prefix',
          port: TOPOLOGY.proxyPort,
          upstreams: ports,
          pinned: ports,
          generation: 1,
        }),
      );
      const clusterAddresses = ports.map((port) => `127.0.0.1:${port}`);
      expectAnswering(find(cluster, 'http').block!, clusterAddresses);
      // The access log's format is a setting; where it goes is not.
      const format = (tree: Directive[]) => find(find(tree, 'http').block!, 'access_log').args[1];
      expect(format(conf)).toBe(format(cluster));
      expect(normalize(conf, replicaAddresses)).toEqual(normalize(cluster, clusterAddresses));
    });
  });
});

/** `$answering_upstream` is the last address nginx tried, for each replica and after a failover. */
function expectAnswering(http: Directive[], addresses: string[]): void {
  const map = find(http, 'map', '$upstream_addr', '$answering_upstream').block!;
  const patterns = map.filter((d) => d.name.startsWith('~'));
  expect(patterns).toHaveLength(1);
  expect(patterns[0]!.args).toEqual(['$last']);
  const regex = new RegExp(patterns[0]!.name.slice(1));
  const last = (value: string) => regex.exec(value)?.groups?.last;
  for (const address of addresses) expect(last(address)).toBe(address);
  expect(last(addresses.join(', '))).toBe(addresses.at(-1));
}

/** Where the two configs may differ: file locations, listen address, worker count, test probe. */
const SITE_SPECIFIC = new Set([
  'pid',
  'lock_file',
  'worker_processes',
  'access_log',
  'listen',
  'client_body_temp_path',
  'proxy_temp_path',
  'fastcgi_temp_path',
  'uwsgi_temp_path',
  'scgi_temp_path',
]);

function normalize(directives: Directive[], addresses: string[]): Directive[] {
  const named = (text: string) =>
    addresses.reduce((out, address, i) => out.replaceAll(address, `<replica ${i + 1}>`), text);
  const result: Directive[] = [];
  for (const { name, args, block } of directives) {
    if (SITE_SPECIFIC.has(name)) continue;
    if (name === 'location' && args.join(' ') === `= ${CONFIG_PROBE_PATH}`) continue;
    result.push({
      // Checked by behaviour in expectAnswering; spelled for each network.
      name: name.startsWith('~') ? '~<last address>' : named(name),
      args: args.map(named),
      ...(block && { block: normalize(block, addresses) }),
    });
  }
  return result;
}
