import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IGateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { type AppConfig, parseConfig } from '../../src/config/app.config.js';
import { TOPOLOGY, drainBudgetMs } from '../../src/config/topology.js';
import { configVariables } from '../harness/config-variables.js';
import { eventually } from '../harness/eventually.js';
import { Gateway, spawnGateway } from '../harness/gateway.js';
import { AFFINITY_COOKIE } from '../harness/nginx-config.js';
import { freePort } from '../harness/ports.js';
import { ManagedProcess, stopAll } from '../harness/processes.js';
import {
  MODELS,
  Manifests,
  NAMESPACE,
  containerEnvironment,
  describeManifest,
  expand,
  gatewayDurationSeconds,
  imageReference,
  isAppliedByDefault,
  isNamespaced,
  loadManifestFiles,
  modelKey,
  nginxSizeBytes,
  references,
  resolvePort,
  selects,
} from './k8s-manifests.js';
import { unknownFields } from './k8s-unknown-fields.js';

const run = promisify(execFile);

const files = loadManifestFiles();
const manifests = Manifests.load();

const deliverer = manifests.one<IDeployment>('Deployment', 'deliverer');
const deliverPod = deliverer.spec!.template.spec!;
const deliverContainer = deliverPod.containers.find((c) => c.name === 'deliverer')!;
const deliverLabels = deliverer.spec!.template.metadata!.labels!;
const redis = manifests.one<IDeployment>('Deployment', 'redis');
const redisContainer = redis.spec!.template.spec!.containers.find((c) => c.name === 'redis')!;
const redisLabels = redis.spec!.template.metadata!.labels!;
const redisService = manifests.one<IService>('Service', 'redis');
const delivererService = manifests.one<IService>('Service', 'deliverer-svc');

/** The environment a deliverer pod gets, and the config the app makes of it at boot. */
const environment = containerEnvironment(deliverContainer, manifests);
let config: AppConfig;
try {
  config = parseConfig(environment.env);
} catch {
  // The configuration test reports the error; the others then fail on an undefined config.
}
/** A websocket idles this long between frames; proxies must not time out below it. */
const heartbeatSeconds = () => (config.pingIntervalMs + config.pingTimeoutMs) / 1000;

const deployments = manifests.ofKind<IDeployment>('Deployment');
const containers = deployments.flatMap((d) =>
  d.spec!.template.spec!.containers.map(
    (c) => [`${d.metadata!.name}/${c.name}`, c, d.spec!.template.spec!] as const,
  ),
);

afterAll(stopAll);

describe('every manifest under k8s/ is valid Kubernetes', () => {
  test('every YAML document parses without errors', () => {
    expect(files.flatMap((f) => f.errors)).toEqual([]);
    expect(files.map((f) => f.file)).toContain('21-deliverer-deployment.yaml');
  });

  test.each(manifests.all.map((m) => [describeManifest(m), m] as const))(
    '%s validates against the schema of its kind',
    (_name, { object }) => {
      const entry = MODELS[modelKey(object)];
      expect(entry).toBeDefined();
      expect(() => new entry.model(object as never).validate()).not.toThrow();
    },
  );

  test('no document has a field its kind does not know (the schemas let unknown fields pass)', () => {
    expect(unknownFields(manifests.all)).toEqual([]);
  });

  test('`kubectl apply -f k8s` creates the namespace first and needs no Gateway API CRDs', () => {
    const applied = manifests.all.filter((m) => isAppliedByDefault(m.file));
    expect(applied[0].object.kind).toBe('Namespace');
    expect(applied.filter((m) => m.object.apiVersion.startsWith('gateway.networking'))).toEqual([]);
    expect(
      manifests.all.filter((m) => m.object.apiVersion.startsWith('gateway.networking')),
    ).not.toEqual([]);
  });

  test('every namespaced object names the websocket-sample namespace', () => {
    const elsewhere = manifests.all
      .filter((m) => isNamespaced(m.object) && m.object.metadata.namespace !== NAMESPACE)
      .map(describeManifest);
    expect(elsewhere).toEqual([]);
    expect(manifests.one<INamespace>('Namespace', NAMESPACE).metadata!.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });
});

describe('every container is pinned, bounded, probed and locked down', () => {
  test.each(containers)('%s runs a pinned image, never latest', (_name, container) => {
    const { tag, digest } = imageReference(container.image!);
    expect(digest ?? tag).toBeDefined();
    expect(tag).not.toBe('latest');
  });

  test.each(containers)('%s has CPU and memory requests and limits', (_name, container) => {
    const { requests, limits } = container.resources ?? {};
    expect(Object.keys(requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(limits ?? {}).sort()).toEqual(['cpu', 'memory']);
  });

  test.each(containers)('%s has readiness and liveness probes', (_name, container) => {
    expect(container.readinessProbe).toBeDefined();
    expect(container.livenessProbe).toBeDefined();
  });

  test.each(containers)(
    '%s meets the restricted Pod Security Standard, with a read-only root filesystem',
    (_name, container, pod) => {
      const own = container.securityContext ?? {};
      const shared = pod.securityContext ?? {};
      expect(own.runAsNonRoot ?? shared.runAsNonRoot).toBe(true);
      expect(own.runAsUser ?? shared.runAsUser).toBeGreaterThan(0);
      expect((own.seccompProfile ?? shared.seccompProfile)?.type).toBe('RuntimeDefault');
      expect(own.allowPrivilegeEscalation).toBe(false);
      expect(own.capabilities?.drop).toContain('ALL');
      expect(own.capabilities?.add ?? []).toEqual([]);
      expect(own.privileged ?? false).toBe(false);
      expect(own.readOnlyRootFilesystem).toBe(true);
      expect([pod.hostNetwork, pod.hostPID, pod.hostIPC]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect((pod.volumes ?? []).filter((v) => !v.emptyDir && !v.configMap && !v.secret)).toEqual(
        [],
      );
    },
  );

  test.each(deployments.map((d) => [d.metadata!.name!, d] as const))(
    'Deployment %s selects its own pod template',
    (_name, deployment) => {
      expect(selects(deployment.spec!.selector, deployment.spec!.template.metadata!.labels)).toBe(
        true,
      );
    },
  );
});

describe('the deliverer Deployment', () => {
  test('the config module accepts its environment: redis-streams on the Redis Service, port 3000', () => {
    const parsed = parseConfig(environment.env);
    expect(parsed.adapter).toBe('redis-streams');
    expect(parsed.port).toBe(TOPOLOGY.port);
    expect(parsed.logFormat).toBe('json');
    expect(parsed.redis!.url.hostname).toBe(redisService.metadata!.name);
    expect(Number(parsed.redis!.url.port)).toBe(redisService.spec!.ports![0].port);
    expect(Object.values(environment.env).filter((value) => value.includes('$('))).toEqual([]);
  });

  test('REDIS_PASSWORD comes from the Secret and serves only to build REDIS_URL', () => {
    expect(environment.sources.REDIS_PASSWORD).toBe('secret');
    const users = Object.entries(environment.written)
      .filter(([, value]) => references(value).includes('REDIS_PASSWORD'))
      .map(([name]) => name);
    expect(users).toEqual(['REDIS_URL']);
    // Declared after REDIS_URL, the reference would stay unexpanded, a wrong password.
    expect(decodeURIComponent(new URL(environment.env.REDIS_URL).password)).toBe(
      environment.env.REDIS_PASSWORD,
    );
  });

  test('every variable it sets, or may set (optional ones), is one the app reads, except REDIS_PASSWORD', () => {
    const declared = [
      ...Object.keys(environment.env),
      ...(deliverContainer.env ?? []).map((v) => v.name),
    ];
    const unread = [...new Set(declared)].filter((name) => !configVariables().has(name));
    expect(unread).toEqual(['REDIS_PASSWORD']);
  });

  describe('the publish API', () => {
    const apiKeys = deliverContainer.env!.find((v) => v.name === 'API_KEYS');

    test('API_KEYS comes only from the optional Secret deliverer-api-keys, which is not shipped', () => {
      expect(apiKeys?.valueFrom).toEqual({
        secretKeyRef: { name: 'deliverer-api-keys', key: 'API_KEYS', optional: true },
      });
      // Never in a ConfigMap (readable by whoever may read the namespace's configuration) or as a
      // literal; and no example Secret, whose well-known key would open the API to anyone.
      for (const configMap of manifests.ofKind<IConfigMap>('ConfigMap')) {
        expect(Object.keys(configMap.data ?? {})).not.toContain('API_KEYS');
      }
      expect((deliverContainer.envFrom ?? []).filter((from) => from.secretRef)).toEqual([]);
      const shipped = manifests.all.filter(
        (m) => m.object.kind === 'Secret' && m.object.metadata.name === 'deliverer-api-keys',
      );
      expect(shipped).toEqual([]);
    });

    test('without the Secret the pod starts with the API off; with it, its keys are valid config', () => {
      expect(environment.env.API_KEYS).toBeUndefined();
      expect(config.api.keys).toEqual([]);
      const secret: ISecret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'deliverer-api-keys', namespace: NAMESPACE },
        // As the README's `kubectl create secret … openssl rand -hex 32` makes it.
        stringData: { API_KEYS: 'a'.repeat(64) },
      };
      const withSecret = new Manifests([
        ...manifests.all,
        { file: 'kubectl', index: 0, object: secret as never },
      ]);
      const env = containerEnvironment(deliverContainer, withSecret);
      expect(env.sources.API_KEYS).toBe('secret');
      expect(parseConfig(env.env).api.keys).toEqual(['a'.repeat(64)]);
    });

    test('the ConfigMap sets the per-key rate limit the config module reads', () => {
      const data = manifests.one<IConfigMap>('ConfigMap', 'deliverer-config').data!;
      expect(config.api).toMatchObject({
        ratePerSec: Number(data.API_RATE_LIMIT_PER_SEC),
        burst: Number(data.API_RATE_LIMIT_BURST),
      });
      expect(config.api.ratePerSec).toBeGreaterThan(0);
    });
  });

  test('POD_NAME is the pod name, from the downward API', () => {
    expect(deliverContainer.env!.find((v) => v.name === 'POD_NAME')!.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
  });

  test('no Service injects variables that a config variable could be named like', () => {
    // Service links would set REDIS_PORT=tcp://…:6379, REDIS_SERVICE_HOST and more from `redis`.
    expect(deliverPod.enableServiceLinks).toBe(false);
  });

  test('the grace period outlasts the drain budget, with the ConfigMap drain settings', () => {
    const budget = drainBudgetMs(config.drainDelayMs, config.drainWindowMs);
    expect(deliverPod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(budget);
    // The app waits DRAIN_DELAY_MS itself; a preStop sleep would add to the budget unseen.
    expect(deliverContainer.lifecycle?.preStop).toBeUndefined();
  });

  test('a rollout surges new replicas before an old one drains, and never drops below 2', () => {
    expect(deliverer.spec!.replicas).toBeGreaterThanOrEqual(2);
    expect(deliverer.spec!.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '50%', maxUnavailable: 0 },
    });
  });

  test('probes: startup and liveness on /healthz, readiness on /readyz, all on port 3000', () => {
    const probe = (p: IProbe | undefined) => [
      p?.httpGet?.path,
      resolvePort(p?.httpGet?.port, deliverContainer),
    ];
    expect(probe(deliverContainer.startupProbe)).toEqual(['/healthz', TOPOLOGY.port]);
    expect(probe(deliverContainer.livenessProbe)).toEqual(['/healthz', TOPOLOGY.port]);
    expect(probe(deliverContainer.readinessProbe)).toEqual(['/readyz', TOPOLOGY.port]);
    expect(resolvePort('http', deliverContainer)).toBe(TOPOLOGY.port);
  });

  test('Prometheus scrapes /metrics on METRICS_PORT, which no Service exposes', () => {
    expect(config.metricsPort).toBe(TOPOLOGY.metricsPort);
    expect(resolvePort('metrics', deliverContainer)).toBe(config.metricsPort);
    expect(deliverer.spec!.template.metadata!.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(config.metricsPort),
      'prometheus.io/path': '/metrics',
    });
    const services = manifests.all.filter((m) => m.object.kind === 'Service');
    for (const { object } of services) {
      for (const port of (object as IService).spec!.ports!) {
        expect([port.port, port.targetPort]).not.toContain(config.metricsPort);
        expect(port.targetPort).not.toBe('metrics');
      }
    }
  });

  test('runs as the node user of the image (uid 1000)', () => {
    expect(deliverPod.securityContext?.runAsUser).toBe(1000);
  });

  test('pods carry the labels stern and kubectl select by, the version being the image tag', () => {
    expect(deliverer.metadata!.name).toBe('deliverer');
    expect(redis.metadata!.name).not.toContain('deliverer');
    expect(deliverLabels).toMatchObject({
      app: 'deliverer',
      'app.kubernetes.io/name': 'deliverer',
      'app.kubernetes.io/instance': expect.any(String),
      'app.kubernetes.io/component': expect.any(String),
      'app.kubernetes.io/part-of': expect.any(String),
      'app.kubernetes.io/version': imageReference(deliverContainer.image!).tag,
    });
  });

  test('replicas spread across nodes without blocking scheduling', () => {
    expect(deliverPod.topologySpreadConstraints).toContainEqual(
      expect.objectContaining({
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
      }),
    );
    for (const constraint of deliverPod.topologySpreadConstraints!) {
      expect(selects(constraint.labelSelector, deliverLabels)).toBe(true);
    }
  });
});

describe('traffic reaches the replicas', () => {
  const servicePort = (service: IService, port: number | string | undefined) =>
    service.spec!.ports!.find((p) => p.port === port || p.name === port);

  test('Service deliverer-svc selects the deliverer pods only, port 3000 to container port 3000', () => {
    expect(selects(delivererService.spec!.selector, deliverLabels)).toBe(true);
    expect(selects(delivererService.spec!.selector, redisLabels)).toBe(false);
    const [port] = delivererService.spec!.ports!;
    expect(port).toMatchObject({ name: 'http', port: TOPOLOGY.port });
    expect(resolvePort(port.targetPort, deliverContainer)).toBe(TOPOLOGY.port);
  });

  test('Service redis selects the Redis pods only, on the port Redis listens on', () => {
    expect(selects(redisService.spec!.selector, redisLabels)).toBe(true);
    expect(selects(redisService.spec!.selector, deliverLabels)).toBe(false);
    const [port] = redisService.spec!.ports!;
    expect(resolvePort(port.targetPort, redisContainer)).toBe(6379);
  });

  describe('the Ingress, configured like the local nginx of `npm run cluster`', () => {
    const ingress = manifests.one<IIngress>('Ingress', 'deliverer');
    const annotation = (name: string) =>
      ingress.metadata!.annotations?.[`nginx.ingress.kubernetes.io/${name}`];

    test('routes every path of its host to deliverer-svc through ingress-nginx', () => {
      expect(ingress.spec!.ingressClassName).toBe('nginx');
      const [rule] = ingress.spec!.rules!;
      const [path] = rule.http!.paths;
      expect(path).toMatchObject({ path: '/', pathType: 'Prefix' });
      expect(path.backend.service!.name).toBe(delivererService.metadata!.name);
      const { name, number } = path.backend.service!.port!;
      expect(servicePort(delivererService, number ?? name)).toBeDefined();
    });

    test('proxy timeouts outlast the Engine.IO heartbeat and match the local nginx', () => {
      for (const name of ['proxy-read-timeout', 'proxy-send-timeout']) {
        expect(Number(annotation(name))).toBeGreaterThan(heartbeatSeconds());
        expect(Number(annotation(name))).toBe(TOPOLOGY.proxyTimeoutSeconds);
      }
    });

    test('the body size limit admits the largest packet the app accepts', () => {
      expect(nginxSizeBytes(annotation('proxy-body-size')!)).toBeGreaterThanOrEqual(
        config.maxPayloadBytes,
      );
    });

    test('persistent cookie affinity, with the cookie of the local nginx', () => {
      expect(annotation('affinity')).toBe('cookie');
      expect(annotation('affinity-mode')).toBe('persistent');
      expect(annotation('session-cookie-name')).toBe(AFFINITY_COOKIE);
    });

    test('a replica that refuses or answers 503 (draining) hands the request to another', () => {
      expect(annotation('proxy-next-upstream')!.split(/\s+/)).toEqual(
        expect.arrayContaining(['error', 'timeout', 'http_502', 'http_503']),
      );
    });
  });

  describe('the Gateway API alternative', () => {
    const gateway = manifests.one<IGateway>('Gateway', 'deliverer');
    const route = manifests.one<IHTTPRoute>('HTTPRoute', 'deliverer');
    const [rule] = route.spec!.rules!;

    test('the HTTPRoute attaches to a listener of the Gateway for the same host', () => {
      const [parent] = route.spec!.parentRefs!;
      expect(parent.name).toBe(gateway.metadata!.name);
      const listener = gateway.spec.listeners.find((l) => l.name === parent.sectionName);
      expect(listener).toBeDefined();
      expect(route.spec!.hostnames).toEqual([listener!.hostname]);
    });

    test('routes to deliverer-svc on a port it has', () => {
      const [backend] = rule.backendRefs!;
      expect(backend.name).toBe(delivererService.metadata!.name);
      expect(servicePort(delivererService, backend.port)).toBeDefined();
    });

    test('timeouts outlast the Engine.IO heartbeat, the backend one within the request one', () => {
      const request = gatewayDurationSeconds(rule.timeouts!.request!);
      const backend = gatewayDurationSeconds(rule.timeouts!.backendRequest!);
      expect(backend).toBeGreaterThan(heartbeatSeconds());
      expect(backend).toBeLessThanOrEqual(request);
    });

    test('cookie session persistence, with the cookie of the local nginx', () => {
      expect(rule.sessionPersistence).toMatchObject({
        type: 'Cookie',
        sessionName: AFFINITY_COOKIE,
      });
    });
  });
});

describe('Redis', () => {
  const env = containerEnvironment(redisContainer, manifests);

  test('requires the password of the Secret the replicas build REDIS_URL from', () => {
    const args = redisContainer.args!;
    expect(args[args.indexOf('--requirepass') + 1]).toBe('$(REDIS_PASSWORD)');
    expect(env.env.REDIS_PASSWORD).toBe(environment.env.REDIS_PASSWORD);
    expect(env.env.REDISCLI_AUTH).toBe(environment.env.REDIS_PASSWORD);
  });

  test('the shipped password is an obvious example, and safe in a URL unencoded', () => {
    expect(env.env.REDIS_PASSWORD).toMatch(/^change-me/);
    expect(env.env.REDIS_PASSWORD).toMatch(/^[\w-]+$/);
  });

  test('persists nothing, and its probes keep the password off the command line', () => {
    const args = redisContainer.args!;
    const option = (name: string) => args[args.indexOf(name) + 1];
    expect([option('--save'), option('--appendonly')]).toEqual(['', 'no']);
    for (const probe of [redisContainer.readinessProbe, redisContainer.livenessProbe]) {
      expect(probe!.exec!.command!.join(' ')).not.toMatch(/-a\b|REDIS_PASSWORD|change-me/);
    }
  });

  test('is never two at once: connected to different ones, replicas would split the fan-out', () => {
    expect(redis.spec!.replicas).toBe(1);
    expect(redis.spec!.strategy?.type).toBe('Recreate');
  });
});

describe('scaling and disruptions keep at least one replica serving', () => {
  const hpa = manifests.one<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'deliverer');
  const pdb = manifests.one<IPodDisruptionBudget>('PodDisruptionBudget', 'deliverer');

  test('the HorizontalPodAutoscaler scales the deliverer Deployment on CPU, from 2 replicas', () => {
    expect(hpa.spec!.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deliverer.metadata!.name,
    });
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec!.maxReplicas).toBeGreaterThanOrEqual(hpa.spec!.minReplicas!);
    expect(hpa.spec!.metrics).toContainEqual(
      expect.objectContaining({
        type: 'Resource',
        resource: expect.objectContaining({
          name: 'cpu',
          target: expect.objectContaining({ type: 'Utilization' }),
        }),
      }),
    );
    // Utilisation is measured against the request.
    expect(deliverContainer.resources!.requests!.cpu).toBeDefined();
  });

  test('the PodDisruptionBudget selects the deliverer pods and still lets one be evicted', () => {
    expect(selects(pdb.spec!.selector, deliverLabels)).toBe(true);
    expect(pdb.spec!.minAvailable).toBe(1);
    const fewest = Math.min(deliverer.spec!.replicas!, hpa.spec!.minReplicas!);
    expect(pdb.spec!.minAvailable).toBeLessThan(fewest);
  });
});

describe('network policies', () => {
  const policies = manifests.all
    .filter((m) => m.object.kind === 'NetworkPolicy')
    .map((m) => ({ applied: isAppliedByDefault(m.file), policy: m.object as INetworkPolicy }));
  const selecting = (labels: Record<string, string>, type: 'Ingress' | 'Egress') =>
    policies.filter(
      ({ policy }) =>
        selects(policy.spec!.podSelector, labels) && policy.spec!.policyTypes?.includes(type),
    );
  const ports = (rule: { ports?: { port?: number | string }[] }) =>
    (rule.ports ?? []).map((p) => p.port);

  test('only deliverer pods reach Redis, and only on 6379', () => {
    const rules = selecting(redisLabels, 'Ingress').flatMap(({ policy }) => policy.spec!.ingress!);
    expect(rules).not.toEqual([]);
    for (const rule of rules) {
      expect(ports(rule)).toEqual([resolvePort('redis', redisContainer)]);
      for (const peer of rule.from!) {
        expect(peer.namespaceSelector ?? peer.ipBlock).toBeUndefined();
        expect(selects(peer.podSelector, deliverLabels)).toBe(true);
        // Not a wildcard: a pod without the deliverer labels is not let in.
        expect(selects(peer.podSelector, {})).toBe(false);
      }
    }
  });

  test('ingress-nginx and labelled API clients reach deliverer on 3000, only monitoring the metrics port', () => {
    const rules = selecting(deliverLabels, 'Ingress')
      .filter(({ applied }) => applied)
      .flatMap(({ policy }) => policy.spec!.ingress!);
    const namespace = (name: string) => [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } },
    ];
    // Pods of this namespace (no namespaceSelector) that carry the label, as k8s/README.md says.
    const apiClients = [{ podSelector: { matchLabels: { 'deliverer-api-client': 'true' } } }];
    expect(rules.map((rule) => [ports(rule), rule.from])).toEqual([
      [[TOPOLOGY.port], namespace('ingress-nginx')],
      [[TOPOLOGY.port], apiClients],
      [[config.metricsPort], namespace('monitoring')],
    ]);
    // Not a wildcard: an unlabelled pod, e.g. Redis, is not let in.
    expect(selects(apiClients[0]!.podSelector, redisLabels)).toBe(false);
  });

  test('the Gateway alternative admits its proxies on 3000 only', () => {
    const rules = selecting(deliverLabels, 'Ingress')
      .filter(({ applied }) => !applied)
      .flatMap(({ policy }) => policy.spec!.ingress!);
    expect(rules).not.toEqual([]);
    for (const rule of rules) expect(ports(rule)).toEqual([TOPOLOGY.port]);
  });

  test('deliverer egress is restricted to Redis on 6379 and DNS', () => {
    const rules = selecting(deliverLabels, 'Egress').flatMap(({ policy }) => policy.spec!.egress!);
    const allows = (labels: Record<string, string>, port: number, protocol = 'TCP') =>
      rules.some(
        (rule) =>
          rule.ports!.some((p) => p.port === port && (p.protocol ?? 'TCP') === protocol) &&
          rule.to!.some((peer) => !peer.namespaceSelector && selects(peer.podSelector, labels)),
      );
    const allowsDns = rules.some((rule) =>
      rule.ports!.some((p) => p.port === 53 && p.protocol === 'UDP'),
    );
    expect(rules).not.toEqual([]);
    expect(allows(redisLabels, 6379)).toBe(true);
    expect(allowsDns).toBe(true);
  });
});

describe('on running processes', () => {
  test('every probe path of the Deployment answers 200 on a running replica', async () => {
    const replica = await Gateway.start({ name: 'probe-check' });
    const probes = [
      deliverContainer.startupProbe,
      deliverContainer.readinessProbe,
      deliverContainer.livenessProbe,
    ];
    const paths = [...new Set(probes.map((probe) => probe!.httpGet!.path!))];
    expect(paths).not.toEqual([]);
    for (const path of paths) {
      const res = await fetch(`${replica.url}${path}`, { signal: AbortSignal.timeout(5000) });
      expect([path, res.status]).toEqual([path, 200]);
    }
  });

  describe('Redis started with the manifest arguments, and a replica with the manifest environment', () => {
    const redisEnv = containerEnvironment(redisContainer, manifests).env;
    let dir: string;
    let redisPort: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'deliverer-k8s-'));
      redisPort = await freePort();
      // Kubernetes expands $(NAME) in args too; the local port and dir stand in for the pod's.
      const args = redisContainer.args!.map((arg) => expand(arg, redisEnv));
      const server = new ManagedProcess('redis-k8s', redisContainer.command![0], [
        ...args,
        ...['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir],
      ]);
      await server.waitForLine(/Ready to accept connections/);
      const { stdout } = await run('sh', ['-c', 'command -v redis-cli']);
      const shim = join(dir, 'redis-cli');
      writeFileSync(shim, `#!/bin/sh\nexec ${stdout.trim()} -p ${redisPort} "$@"\n`);
      chmodSync(shim, 0o755);
    });
    afterAll(async () => {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs a probe's command as the kubelet would, with redis-cli aimed at the local port. */
    function probeSucceeds(probe: IProbe, env: Record<string, string>): Promise<boolean> {
      const [command, ...args] = probe.exec!.command!;
      return run(command, args, { env: { PATH: `${dir}:${process.env.PATH}`, ...env } }).then(
        () => true,
        () => false,
      );
    }

    test('the Redis probes pass with the password from the Secret and fail without it', async () => {
      for (const probe of [redisContainer.readinessProbe!, redisContainer.livenessProbe!]) {
        expect(await probeSucceeds(probe, { REDISCLI_AUTH: redisEnv.REDISCLI_AUTH })).toBe(true);
        expect(await probeSucceeds(probe, {})).toBe(false);
      }
    });

    test('a replica given the Deployment environment becomes ready against it', async () => {
      const url = new URL(environment.env.REDIS_URL);
      url.hostname = '127.0.0.1';
      url.port = String(redisPort);
      const port = await freePort();
      const replica = spawnGateway('k8s-env', {
        ...environment.env,
        REDIS_URL: url.href,
        HOST: '127.0.0.1',
        PORT: String(port),
        // Teardown need not wait out the production drain or a 5 s XREAD.
        DRAIN_DELAY_MS: '0',
        DRAIN_WINDOW_MS: '0',
        REDIS_STREAMS_BLOCK_MS: '300',
      });
      const listening = await replica.waitForLine(/"msg":"deliverer listening"/);
      expect(JSON.parse(listening)).toMatchObject({ node: environment.env.POD_NAME });
      await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 200;
      }, '/readyz answers 200');
    });
  });
});
