import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { type ISecret, Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/** The repository's k8s/ directory; `kubectl apply -f k8s` applies its top-level files only. */
export const K8S_DIR = fileURLToPath(new URL('../../../k8s', import.meta.url));

export const NAMESPACE = 'websocket-sample';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

export interface Manifest {
  /** Path relative to k8s/, e.g. `gateway-api/10-httproute.yaml`. */
  file: string;
  /** Position of the document in its file. */
  index: number;
  object: KubeObject;
}

export interface ManifestFile {
  file: string;
  /** YAML syntax errors, per document. */
  errors: string[];
  manifests: Manifest[];
}

interface ModelClass {
  new (data: never): { validate(): void };
}

/**
 * The kubernetes-models class of every kind the manifests may use, with the module and interface
 * the field check (k8s-unknown-fields.ts) types each document against. A kind not listed here
 * fails the schema test rather than going unchecked.
 */
export const MODELS: Record<string, { model: ModelClass; module: string; type: string }> = {
  'v1/Namespace': {
    model: Namespace,
    module: 'kubernetes-models/v1/Namespace',
    type: 'INamespace',
  },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/ConfigMap': {
    model: ConfigMap,
    module: 'kubernetes-models/v1/ConfigMap',
    type: 'IConfigMap',
  },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1/Deployment': {
    model: Deployment,
    module: 'kubernetes-models/apps/v1/Deployment',
    type: 'IDeployment',
  },
  'networking.k8s.io/v1/Ingress': {
    model: Ingress,
    module: 'kubernetes-models/networking.k8s.io/v1/Ingress',
    type: 'IIngress',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy,
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    type: 'INetworkPolicy',
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    type: 'IHorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
  // Gateway API v1; the package's v1 schema includes the experimental channel's fields.
  'gateway.networking.k8s.io/v1/Gateway': {
    model: Gateway,
    module: '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway',
    type: 'IGateway',
  },
  'gateway.networking.k8s.io/v1/HTTPRoute': {
    model: HTTPRoute,
    module: '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute',
    type: 'IHTTPRoute',
  },
};

export function modelKey(object: KubeObject): string {
  return `${object.apiVersion}/${object.kind}`;
}

/** Kinds that live outside any namespace. */
const CLUSTER_SCOPED = new Set(['Namespace']);

export function isNamespaced(object: KubeObject): boolean {
  return !CLUSTER_SCOPED.has(object.kind);
}

export function describeManifest({ file, index, object }: Manifest): string {
  return `${file}#${index} ${object.kind}/${object.metadata?.name}`;
}

/** Every *.yaml under k8s/, in the order `kubectl apply -f` reads a directory: by file name. */
export function loadManifestFiles(dir = K8S_DIR): ManifestFile[] {
  const paths = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => /\.ya?ml$/.test(path))
    .map((path) => join(dir, path))
    .sort();
  return paths.map((path) => {
    const file = relative(dir, path);
    const documents = parseAllDocuments(readFileSync(path, 'utf8'));
    const errors = documents.flatMap((doc, index) =>
      doc.errors.map((error) => `${file}#${index}: ${error.message}`),
    );
    const manifests = documents
      .map((doc, index) => ({ file, index, object: doc.toJS() as KubeObject | null }))
      .filter((m): m is Manifest => m.object !== null);
    return { file, errors, manifests };
  });
}

/** Files that `kubectl apply -f k8s` applies: -f reads a directory without recursing. */
export function isAppliedByDefault(file: string): boolean {
  return !file.includes('/');
}

export class Manifests {
  constructor(readonly all: readonly Manifest[]) {}

  static load(): Manifests {
    return new Manifests(loadManifestFiles().flatMap((f) => f.manifests));
  }

  ofKind<T>(kind: string): T[] {
    return this.all.filter((m) => m.object.kind === kind).map((m) => m.object as T);
  }

  /** The one object of `kind` named `name`; fails loudly if there is none or several. */
  one<T>(kind: string, name: string): T {
    const found = this.all.filter((m) => m.object.kind === kind && m.object.metadata.name === name);
    if (found.length !== 1) {
      throw new Error(`expected one ${kind}/${name} in k8s/, found ${found.length}`);
    }
    return found[0].object as T;
  }
}

type LabelSelector = NonNullable<
  NonNullable<IPodSpec['topologySpreadConstraints']>[0]['labelSelector']
>;

/** Whether a label selector (matchLabels and matchExpressions) selects an object's labels. */
export function selects(
  selector: LabelSelector | Record<string, string> | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return false;
  const structured =
    'matchLabels' in selector || 'matchExpressions' in selector
      ? (selector as LabelSelector)
      : { matchLabels: selector as Record<string, string> };
  const byLabel = Object.entries(structured.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  const byExpression = (structured.matchExpressions ?? []).every(({ key, operator, values }) => {
    const has = key in labels;
    switch (operator) {
      case 'In':
        return has && (values ?? []).includes(labels[key]);
      case 'NotIn':
        return !has || !(values ?? []).includes(labels[key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabel && byExpression;
}

/** A container port given by number or by name, as a number. */
export function resolvePort(port: number | string | undefined, container: IContainer): number {
  if (typeof port === 'number') return port;
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port named ${port}`);
  return named.containerPort;
}

/** Values the kubelet fills in from the downward API, as a scheduled pod would see them. */
const DOWNWARD_API_PLACEHOLDERS: Record<string, string> = {
  'metadata.name': 'deliverer-5d9c7b8f6d-x7k2p',
  'metadata.namespace': NAMESPACE,
  'spec.nodeName': 'node-1',
  'status.podIP': '10.0.0.10',
};

/** Names a value refers to with Kubernetes' `$(NAME)` syntax. */
export function references(value: string): string[] {
  return [...value.replaceAll('$$', '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map(
    (match) => match[1],
  );
}

/**
 * Kubernetes' dependent variable expansion: `$(NAME)` becomes the value of a variable defined
 * earlier, `$$` a literal `$`; a reference to a later or unknown variable stays as written.
 */
export function expand(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name?: string) =>
    name === undefined ? '$' : (defined[name] ?? match),
  );
}

export type EnvSource = 'configMap' | 'value' | 'downwardApi' | 'secret';

export interface ContainerEnvironment {
  env: Record<string, string>;
  sources: Record<string, EnvSource>;
  /** Each variable's `value` as written, before expansion. */
  written: Record<string, string>;
}

function secretValue(secret: ISecret, key: string): string | undefined {
  return (
    secret.stringData?.[key] ??
    (secret.data?.[key] === undefined
      ? undefined
      : Buffer.from(secret.data[key], 'base64').toString('utf8'))
  );
}

/**
 * The environment the kubelet would give `container`: envFrom first, then env in order, each
 * `value` expanded against what came before. ConfigMaps and Secrets are looked up in the
 * manifests, so a missing one or a missing key fails here as it would in the cluster.
 */
export function containerEnvironment(
  container: IContainer,
  manifests: Manifests,
): ContainerEnvironment {
  const env: Record<string, string> = {};
  const sources: Record<string, EnvSource> = {};
  const written: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (!from.configMapRef || from.prefix) {
      throw new Error(`${container.name}: only envFrom configMapRef without prefix is modelled`);
    }
    const data = manifests.one<IConfigMap>('ConfigMap', from.configMapRef.name!).data ?? {};
    for (const [name, value] of Object.entries(data)) {
      env[name] = value;
      sources[name] = 'configMap';
    }
  }
  for (const variable of container.env ?? []) {
    const { name, value, valueFrom } = variable;
    if (value !== undefined) {
      env[name] = expand(value, env);
      sources[name] = 'value';
      written[name] = value;
    } else if (valueFrom?.fieldRef) {
      const placeholder = DOWNWARD_API_PLACEHOLDERS[valueFrom.fieldRef.fieldPath];
      if (placeholder === undefined) {
        throw new Error(`${name}: no placeholder for fieldRef ${valueFrom.fieldRef.fieldPath}`);
      }
      env[name] = placeholder;
      sources[name] = 'downwardApi';
    } else if (valueFrom?.secretKeyRef) {
      const { name: secretName, key, optional } = valueFrom.secretKeyRef;
      const secrets = manifests.all.filter(
        (m) => m.object.kind === 'Secret' && m.object.metadata.name === secretName,
      );
      // The kubelet starts the container without an optional variable whose Secret or key is
      // absent.
      if (optional && secrets.length === 0) continue;
      const found = secretValue(manifests.one<ISecret>('Secret', secretName!), key);
      if (found === undefined && optional) continue;
      if (found === undefined) throw new Error(`${name}: Secret ${secretName} has no key ${key}`);
      env[name] = found;
      sources[name] = 'secret';
    } else {
      throw new Error(`${name}: this kind of env source is not modelled`);
    }
  }
  return { env, sources, written };
}

/** An nginx size (`client_max_body_size` syntax: 1m, 512k, 1048576) in bytes. */
export function nginxSizeBytes(size: string): number {
  const match = /^(\d+)([kKmMgG]?)$/.exec(size);
  if (!match) throw new Error(`not an nginx size: ${size}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase()]!;
  return Number(match[1]) * unit;
}

/** A Gateway API Duration (GEP-2257: 1h, 30m, 3600s, 1h30m, 500ms) in seconds. */
export function gatewayDurationSeconds(duration: string): number {
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(duration)) {
    throw new Error(`not a Gateway API duration: ${duration}`);
  }
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  return [...duration.matchAll(/([0-9]+)(h|ms|m|s)/g)].reduce(
    (sum, [, count, suffix]) => sum + Number(count) * unit[suffix],
    0,
  );
}

/** Splits `image:tag` or `image@sha256:…`; a registry port (`host:5000/app`) is not a tag. */
export function imageReference(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1
    ? { name: withoutDigest, digest }
    : { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
}
