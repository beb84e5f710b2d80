import { parseConfig } from '../../src/config/app.config.js';
import { TOPOLOGY } from '../../src/config/topology.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  countOf,
  settle,
  waitForHeartbeats,
  waitForSession,
} from '../harness/clients.js';
import { Cluster } from '../harness/cluster.js';
import { loadCompose, replicaServices } from './compose-file.js';
import { readRepoFile, repoPath } from './deploy-files.js';
import {
  HAProxy,
  haproxyCheck,
  haproxySections,
  haproxyTimeMs,
  localHaproxyConfig,
} from './haproxy.js';

const HAPROXY_CFG = 'deploy/haproxy/haproxy.cfg';
const shipped = readRepoFile(HAPROXY_CFG);
const sections = haproxySections(shipped);
const compose = loadCompose();
const replicaNames = replicaServices(compose).map(([name]) => name);

function section(name: string): string[][] {
  const found = sections.get(name);
  if (!found) throw new Error(`${HAPROXY_CFG} has no \`${name}\` section`);
  return found;
}

/** The arguments of every `keyword ...` line of a section, e.g. all `timeout` lines. */
function lines(name: string, ...keyword: string[]): string[][] {
  return section(name)
    .filter((words) => keyword.every((word, i) => words[i] === word))
    .map((words) => words.slice(keyword.length));
}

describe('deploy/haproxy/haproxy.cfg', () => {
  test('passes haproxy -c as shipped; the only warnings are the Compose names this host cannot resolve', async () => {
    const { ok, output } = await haproxyCheck(repoPath(HAPROXY_CFG));
    expect(output).toMatch(/Configuration file is valid/);
    expect(ok).toBe(true);
    const warnings = output.split('\n').filter((line) => line.includes('[WARNING]'));
    const unresolvable = new RegExp(
      `could not resolve address '(${replicaNames.join('|')})', disabling server`,
    );
    expect(warnings.filter((line) => !unresolvable.test(line))).toEqual([]);
  });

  test('sticks sessions on the io cookie and checks /readyz on every replica of the Compose file', () => {
    const backend = 'backend deliverer';
    expect(lines(backend, 'cookie')).toEqual([['io', 'prefix', 'nocache']]);
    expect(lines(backend, 'option', 'httpchk')).toEqual([['GET', '/readyz']]);
    expect(lines(backend, 'balance')).toEqual([
      [expect.stringMatching(/^(roundrobin|leastconn)$/)],
    ]);
    const servers = lines(backend, 'server');
    expect(servers.map(([name, address]) => [name, address])).toEqual(
      replicaNames.map((name) => [name, `${name}:${TOPOLOGY.port}`]),
    );
    // The cookie value names the server, so it must be unique and stable.
    for (const [name, ...options] of servers) {
      expect(options.slice(1)).toEqual(['cookie', name]);
    }
    // Health checks on every server, and startup that does not need the names to resolve.
    const defaults = lines(backend, 'default-server')[0];
    expect(defaults).toEqual(expect.arrayContaining(['check', 'init-addr', 'last,libc,none']));
  });

  test('keeps websockets and long-polls open past the Engine.IO heartbeat', () => {
    const timeouts = Object.fromEntries(
      lines('defaults', 'timeout').map(([name, value]) => [name, haproxyTimeMs(value!)]),
    );
    const { pingIntervalMs, pingTimeoutMs } = parseConfig({});
    expect(timeouts.tunnel).toBe(TOPOLOGY.proxyTimeoutSeconds * 1000);
    expect(timeouts.client).toBeGreaterThan(pingIntervalMs + pingTimeoutMs);
    expect(timeouts.server).toBeGreaterThan(pingIntervalMs + pingTimeoutMs);
    expect(lines('frontend deliverer', 'bind')).toEqual([[`:${TOPOLOGY.proxyPort}`]]);
  });

  test('is what the Compose file runs under the haproxy profile', () => {
    const haproxy = compose.services.haproxy;
    expect(haproxy).toMatchObject({
      image: expect.stringMatching(/^haproxy:\d+\.\d+(\.\d+)?-alpine$/),
      profiles: ['haproxy'],
      volumes: [`./${HAPROXY_CFG}:/usr/local/etc/haproxy/haproxy.cfg:ro`],
      depends_on: Object.fromEntries(
        replicaNames.map((name) => [name, { condition: 'service_healthy' }]),
      ),
    });
    expect(haproxy!.ports).toEqual([expect.stringMatching(new RegExp(`:${TOPOLOGY.proxyPort}$`))]);
  });

  describe('in front of two real replicas', () => {
    let cluster: Cluster;
    let haproxy: HAProxy;
    let serverOf: Map<string, string>;

    beforeAll(async () => {
      // A fast heartbeat, so that long-polls complete and are re-sent within seconds.
      cluster = await Cluster.start('redis-streams', 2, { PING_INTERVAL_MS: '1000' });
      const servers = Object.fromEntries(
        replicaNames.map((name, i) => [name, cluster.nodes[i]!.port]),
      );
      serverOf = new Map(replicaNames.map((name, i) => [cluster.nodes[i]!.name, name]));
      haproxy = await HAProxy.start((port) => localHaproxyConfig(shipped, port, servers));
    });
    afterAll(async () => {
      closeAllClients();
      await haproxy?.stop();
      await cluster?.stop();
    });

    test('20 polling-only clients land on both replicas, stay on theirs for several polls and get a message exactly once', async () => {
      const clients = await Promise.all(
        Array.from({ length: 20 }, () => connectClient(haproxy.url, { transport: 'polling' })),
      );
      await Promise.all(clients.map((client) => waitForSession(client)));
      const nodeOf = (client: TestClient) => client.sessions[0]!.node;
      expect(new Set(clients.map(nodeOf))).toEqual(new Set(cluster.nodes.map((node) => node.name)));

      const sender = clients[0]!;
      const ack = await sender
        .timeout(5000)
        .emitWithAck('input_event', { text: 'through haproxy' });
      expect(ack).toEqual({ status: 'ok', id: expect.any(String) });
      await settle(sender, clients);
      expect(clients.map((client) => countOf(client, 'through haproxy'))).toEqual(
        Array(20).fill(1),
      );

      await waitForHeartbeats(clients, 3);
      expect(clients.filter((client) => !client.connected).map((client) => client.id)).toEqual([]);

      const log = haproxy.httpLog().filter((entry) => entry.uri.startsWith('/socket.io/'));
      expect(log.filter((entry) => entry.status >= 400 || entry.status < 0)).toEqual([]);
      // Every request of a session went to the server of the replica that announced itself.
      for (const client of clients) {
        const requests = log.filter((entry) => entry.uri.includes(`sid=${client.io.engine.id}`));
        expect(new Set(requests.map((entry) => entry.server))).toEqual(
          new Set([serverOf.get(nodeOf(client))]),
        );
        expect(requests.length).toBeGreaterThanOrEqual(3);
      }
    });
  });
});
