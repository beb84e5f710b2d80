import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NGINX } from '../harness/nginx.js';

/** One nginx directive: `name args...;` or `name args... { block }`. */
export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
}

/**
 * nginx.conf as a tree, comments dropped and quotes resolved, so that two configs can be compared
 * by what nginx reads rather than by layout.
 */
export function parseNginxConfig(text: string): Directive[] {
  const tokens = tokenize(text);
  let at = 0;
  const parseBlock = (nested: boolean): Directive[] => {
    const directives: Directive[] = [];
    let words: string[] = [];
    while (at < tokens.length) {
      const token = tokens[at++]!;
      if (token.kind === 'word') {
        words.push(token.text);
      } else if (token.text === ';') {
        if (words.length === 0) throw new Error('nginx config: empty directive');
        directives.push({ name: words[0]!, args: words.slice(1) });
        words = [];
      } else if (token.text === '{') {
        if (words.length === 0) throw new Error('nginx config: block without a name');
        directives.push({ name: words[0]!, args: words.slice(1), block: parseBlock(true) });
        words = [];
      } else {
        if (!nested) throw new Error('nginx config: unbalanced }');
        if (words.length > 0) throw new Error(`nginx config: missing ; after ${words.join(' ')}`);
        return directives;
      }
    }
    if (nested || words.length > 0) throw new Error('nginx config: unexpected end');
    return directives;
  };
  return parseBlock(false);
}

type Token = { kind: 'word' | 'punct'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === ';' || c === '{' || c === '}') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else if (c === '"' || c === "'") {
      let word = '';
      for (i++; i < text.length && text[i] !== c; i++) {
        // Like nginx: \" \' \\ unescape, any other backslash stays (regexes keep theirs).
        if (text[i] === '\\' && /["'\\]/.test(text[i + 1] ?? '')) i++;
        word += text[i];
      }
      if (i >= text.length) throw new Error('nginx config: unterminated quote');
      i++;
      tokens.push({ kind: 'word', text: word });
    } else {
      let word = '';
      while (i < text.length && !/[\s;{}]/.test(text[i]!)) word += text[i++];
      tokens.push({ kind: 'word', text: word });
    }
  }
  return tokens;
}

export function find(directives: Directive[], name: string, ...args: string[]): Directive {
  const found = directives.find(
    (d) => d.name === name && args.every((arg, i) => d.args[i] === arg),
  );
  if (!found) throw new Error(`no \`${[name, ...args].join(' ')}\` directive`);
  return found;
}

/**
 * `nginx -t` on a config file as it is. The prefix is a temp directory, so relative paths and the
 * check's side effects stay out of the system's nginx. Its output goes to a file: the config logs
 * to /dev/stdout, which a container's stdout (a FIFO) allows and a socket, as Node's pipes are,
 * does not.
 */
export async function nginxTest(configPath: string): Promise<{ ok: boolean; output: string }> {
  const prefix = mkdtempSync(join(tmpdir(), 'deliverer-nginx-t-'));
  chmodSync(prefix, 0o755);
  const log = join(prefix, 'output');
  const fd = openSync(log, 'w');
  try {
    const child = spawn(NGINX, ['-t', '-p', `${prefix}/`, '-e', 'stderr', '-c', configPath], {
      stdio: ['ignore', fd, fd],
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    return { ok: code === 0, output: readFileSync(log, 'utf8') };
  } finally {
    closeSync(fd);
    rmSync(prefix, { recursive: true, force: true });
  }
}
