/**
 * Just enough of Docker's Dockerfile and .dockerignore rules to check ours without a Docker
 * engine: logical lines, stages, flags, exec form, and the context's exclusion patterns.
 */

export interface Instruction {
  keyword: string;
  /** `--name=value` options, e.g. COPY's `from` or HEALTHCHECK's `interval`. */
  flags: Map<string, string>;
  /** The arguments after the flags, as written. */
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  /** An image reference, or the name of an earlier stage. */
  base: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const { text: logical, line } of logicalLines(text)) {
    const [, word, rest] = /^(\S+)\s*([\s\S]*)$/.exec(logical)!;
    const keyword = word!.toUpperCase();
    const { flags, args } = splitFlags(rest!);
    if (keyword === 'FROM') {
      const [base, as, name] = args.split(/\s+/);
      stages.push({
        base: base!,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`line ${line}: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword, flags, args, line });
  }
  return stages;
}

/** Joins `\` continuations; comments and parser directives drop out, also inside a continuation. */
function logicalLines(text: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*#/.test(raw)) return;
    if (raw.trim() === '') return;
    current ??= { text: '', line: i + 1 };
    const continued = /\\\s*$/.test(raw);
    current.text += continued ? raw.replace(/\\\s*$/, ' ') : raw;
    if (!continued) {
      lines.push({ text: current.text.trim().replace(/\s+/g, ' '), line: current.line });
      current = undefined;
    }
  });
  if (current) throw new Error(`line ${current.line}: continuation at the end of the file`);
  return lines;
}

function splitFlags(rest: string): { flags: Map<string, string>; args: string } {
  const flags = new Map<string, string>();
  let args = rest;
  for (let m; (m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(args)); args = args.slice(m[0].length)) {
    flags.set(m[1]!, m[2] ?? 'true');
  }
  return { flags, args: args.trim() };
}

/** The JSON array of an exec-form instruction, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((arg) => typeof arg === 'string')) {
    throw new Error(`not an exec form: ${args}`);
  }
  return parsed;
}

/** `ENV A=1 B="two words"` (or the legacy `ENV A 1`) as a map. */
export function envOf(args: string): Record<string, string> {
  const legacy = /^([\w.-]+)\s+([^=]*)$/.exec(args);
  if (legacy) return { [legacy[1]!]: legacy[2]! };
  const env: Record<string, string> = {};
  for (const [, key, quoted, bare] of args.matchAll(/([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)) {
    env[key!] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare!;
  }
  return env;
}

/** Sources and destination of a COPY, in either form. */
export function copyPaths(args: string): { sources: string[]; dest: string } {
  const parts = execForm(args) ?? args.split(/\s+/);
  if (parts.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
}

/** The WORKDIR a stage ends with, following its base stages. */
export function workdirOf(stages: Stage[], name: string): string {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage named ${name}`);
  let dir = stages.some((s) => s.name === stage.base) ? workdirOf(stages, stage.base) : '/';
  for (const ins of stage.instructions) {
    if (ins.keyword === 'WORKDIR') dir = resolvePosix(dir, ins.args);
  }
  return dir;
}

export function resolvePosix(from: string, to: string): string {
  const parts = (to.startsWith('/') ? to : `${from}/${to}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..') out.pop();
    else if (part !== '' && part !== '.') out.push(part);
  }
  return `/${out.join('/')}`;
}

interface IgnoreRule {
  regex: RegExp;
  negated: boolean;
}

/**
 * .dockerignore as Docker reads it: patterns are anchored at the context root (`node_modules`
 * does not match `deliverer/node_modules`), `**` spans directories, a match on a directory
 * excludes what is below it, and the last matching rule wins, so `!` re-includes.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules: IgnoreRule[] = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, regex: patternRegex(pattern) };
    });
  return (path) => {
    const parts = path.replace(/^\.?\/+/, '').split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (prefixes.some((prefix) => rule.regex.test(prefix))) ignored = !rule.negated;
    }
    return ignored;
  };
}

function patternRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

type Version = [number, number, number];

/**
 * Whether a node version satisfies an npm `engines.node` range. Covers what package-lock.json
 * holds: `||`, comparators joined by spaces, `^`, `~`, x-ranges and partial versions.
 */
export function satisfiesNodeRange(version: string, range: string): boolean {
  const v = parseVersion(version);
  if (!v) throw new Error(`not a version: ${version}`);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((comparator) => matches(v, comparator)),
  );
}

function matches(v: Version, comparator: string): boolean {
  const [, op = '', rest] = /^(>=|<=|>|<|=|\^|~)?v?(.*)$/.exec(comparator)!;
  if (rest === '' || rest === '*' || rest === 'x') return true;
  const parts = rest!.split('.').filter((p) => p !== '*' && p.toLowerCase() !== 'x');
  const low: Version = [Number(parts[0]), Number(parts[1] ?? 0), Number(parts[2] ?? 0)];
  if (low.some(Number.isNaN)) throw new Error(`unsupported engines comparator: ${comparator}`);
  // The version after the last one a partial or caret/tilde range allows.
  const next = (depth: number): Version =>
    depth === 0 ? [low[0] + 1, 0, 0] : depth === 1 ? [low[0], low[1] + 1, 0] : [...low];
  const cmp = compare(v, low);
  switch (op) {
    case '>=':
      return cmp >= 0;
    case '>':
      return parts.length === 3 ? cmp > 0 : compare(v, next(parts.length - 1)) >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      return parts.length === 3 ? cmp <= 0 : compare(v, next(parts.length - 1)) < 0;
    case '^':
      return cmp >= 0 && compare(v, next(low[0] > 0 ? 0 : 1)) < 0;
    case '~':
      return cmp >= 0 && compare(v, next(parts.length === 1 ? 0 : 1)) < 0;
    default:
      return parts.length === 3 ? cmp === 0 : cmp >= 0 && compare(v, next(parts.length - 1)) < 0;
  }
}

export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}
