/** Thrown when one environment variable is invalid; the message names it and what it accepts. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    accepts: string,
    got: string,
  ) {
    super(`${variable} must be ${accepts} (got ${JSON.stringify(got)})`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Unset and blank both mean "use the default", as in most container platforms. */
function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

export function int(
  env: Env,
  name: string,
  {
    min,
    max,
    fallback,
    aliases = {},
  }: { min: number; max: number; fallback: number; aliases?: Record<string, () => number> },
): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (Object.hasOwn(aliases, value)) return aliases[value]!();
  const parsed = Number(value);
  if (
    !/^-?\d+(e\d+)?$/i.test(value) ||
    !Number.isSafeInteger(parsed) ||
    parsed < min ||
    parsed > max
  ) {
    const named = Object.keys(aliases).map((alias) => `, or ${alias}`);
    throw new ConfigError(name, `an integer from ${min} to ${max}${named.join('')}`, value);
  }
  return parsed;
}

export function oneOf<T extends string>(
  env: Env,
  name: string,
  values: readonly T[],
  fallback: T,
): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigError(name, `one of ${values.join(', ')}`, value);
  }
  return value as T;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError(name, 'true or false', value);
}

export function text(
  env: Env,
  name: string,
  { pattern, accepts, fallback }: { pattern: RegExp; accepts: string; fallback: string },
): string {
  const value = raw(env, name) ?? fallback;
  if (!pattern.test(value)) throw new ConfigError(name, accepts, value);
  return value;
}

export function optionalUrl(env: Env, name: string, protocols: readonly string[]): URL | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  const accepts = `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
  if (!URL.canParse(value)) throw new ConfigError(name, accepts, redactUrl(value));
  const url = new URL(value);
  if (!protocols.includes(url.protocol)) throw new ConfigError(name, accepts, redactUrl(value));
  return url;
}

export function list(env: Env, name: string, item: { pattern: RegExp; accepts: string }): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  const items = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = items.find((entry) => !item.pattern.test(entry));
  if (bad !== undefined)
    throw new ConfigError(name, `a comma-separated list of ${item.accepts}`, bad);
  return items;
}

/** Keeps passwords out of logs and error lines. */
export function redactUrl(value: string | URL): string {
  if (!URL.canParse(String(value))) return String(value).replace(/\/\/[^@/]*@/, '//***@');
  const url = new URL(String(value));
  if (url.password) url.password = '***';
  return url.toString();
}
