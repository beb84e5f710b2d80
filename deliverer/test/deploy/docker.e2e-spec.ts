import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { TOPOLOGY } from '../../src/config/topology.js';
import { freePort } from '../harness/ports.js';
import { ManagedProcess } from '../harness/processes.js';
import { REPO_ROOT, containerEnv, npmEnv, readRepoFile, repoPath } from './deploy-files.js';
import {
  type Instruction,
  type Stage,
  copyPaths,
  dockerignore,
  envOf,
  execForm,
  parseDockerfile,
  parseVersion,
  resolvePosix,
  satisfiesNodeRange,
  workdirOf,
} from './dockerfile.js';

const run = promisify(execFile);

const stages = parseDockerfile(readRepoFile('deliverer/Dockerfile'));
const runtime = stages.at(-1)!;
const isIgnored = dockerignore(readRepoFile('.dockerignore'));
const stageNames = new Set(stages.map((stage) => stage.name));
const externalBases = stages.filter((s) => !stageNames.has(s.base)).map((s) => s.base);

interface LockedPackage {
  dev?: boolean;
  engines?: { node?: string } | string[];
}
const lock = JSON.parse(readRepoFile('package-lock.json')) as {
  packages: Record<string, LockedPackage>;
};

function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((ins) => ins.keyword === keyword);
}

/** The instruction that takes effect: Docker keeps the last CMD, USER, HEALTHCHECK... */
function last(stage: Stage, keyword: string): Instruction {
  const found = all(stage, keyword).at(-1);
  if (!found) throw new Error(`the ${stage.name ?? 'last'} stage has no ${keyword}`);
  return found;
}

/** Stages in build order that `stage` builds on, itself included. */
function lineage(stage: Stage): Stage[] {
  const parent = stages.find((s) => s.name === stage.base);
  return parent ? [...lineage(parent), stage] : [stage];
}

function healthcheckCommand(): string[] {
  const { args } = last(runtime, 'HEALTHCHECK');
  const [, form, command] = /^(CMD|NONE)\s*([\s\S]*)$/i.exec(args)!;
  expect(form!.toUpperCase()).toBe('CMD');
  const exec = execForm(command!);
  if (!exec) throw new Error(`HEALTHCHECK is not in exec form: ${args}`);
  return exec;
}

describe('deliverer/Dockerfile', () => {
  test('builds in stages from one pinned node slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    // The runtime stage starts afresh: compilers, sources and dev dependencies stay behind.
    expect(stageNames.has(runtime.base)).toBe(false);
    expect(externalBases.length).toBeGreaterThan(0);
    for (const base of externalBases) {
      expect(base).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+-slim$/);
    }
    // One node for install, build and runtime: what npm ci resolved is what runs.
    expect(new Set(externalBases).size).toBe(1);
  });

  test('the pinned node satisfies the engines of every locked package', () => {
    const version = /^node:(\d+\.\d+\.\d+)/.exec(externalBases[0]!)![1]!;
    expect(parseVersion(version)).toBeDefined();
    const unmet = Object.entries(lock.packages)
      .map(([path, pkg]) => ({
        path: path || '(root)',
        range: Array.isArray(pkg.engines) ? undefined : pkg.engines?.node,
      }))
      .filter(({ range }) => range !== undefined && !satisfiesNodeRange(version, range))
      .map(({ path, range }) => `${path}: ${range}`);
    expect(unmet).toEqual([]);
  });

  test('the build installs every workspace, builds client and gateway, and mirrors the repository', () => {
    const build = stages.find((stage) =>
      all(stage, 'RUN').some((ins) => /\bnpm run build\b/.test(ins.args)),
    );
    expect(build).toBeDefined();
    const runs = lineage(build!).flatMap((stage) => all(stage, 'RUN').map((ins) => ins.args));
    expect(runs).toContainEqual(expect.stringMatching(/^npm ci\b(?!.*--omit)/));
    // The runtime stage maps build-stage paths back to the repository (see the boot test).
    for (const stage of lineage(build!)) {
      let workdir = stageNames.has(stage.base) ? workdirOf(stages, stage.base) : '/';
      for (const ins of stage.instructions) {
        if (ins.keyword === 'WORKDIR') workdir = resolvePosix(workdir, ins.args);
        if (ins.keyword !== 'COPY') continue;
        const { sources, dest } = copyPaths(ins.args);
        const target = resolvePosix(workdir, dest);
        for (const source of sources) {
          const into = copyTarget(repoPath(source), sources.length, dest, target);
          const expected = resolvePosix(workdirOf(stages, build!.name!), source);
          expect({ line: ins.line, into }).toEqual({ line: ins.line, into: expected });
        }
      }
    }
  });

  test('the runtime stage gets production dependencies and the build output only', () => {
    const runs = all(runtime, 'RUN').map((ins) => ins.args);
    expect(runs).toContainEqual(expect.stringMatching(/\bnpm ci\b[^&;|]*--omit=dev/));
    expect(runs.filter((args) => /\bnpm (install|i)\b/.test(args))).toEqual([]);
    const fromBuild = all(runtime, 'COPY').filter((ins) => ins.flags.has('from'));
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const ins of fromBuild) {
      for (const source of copyPaths(ins.args).sources) expect(source).toMatch(/\/dist\/?$/);
    }
  });

  test('runs node directly under tini, as a non-root user', () => {
    expect(execForm(last(runtime, 'ENTRYPOINT').args)).toEqual(['/usr/bin/tini', '--']);
    expect(all(runtime, 'RUN').map((ins) => ins.args)).toContainEqual(
      expect.stringMatching(/apt-get install -y --no-install-recommends( \S+)* tini\b/),
    );
    // Exec form: a shell form would run `/bin/sh -c`, and sh does not forward SIGTERM.
    const cmd = execForm(last(runtime, 'CMD').args);
    expect(cmd).toEqual(['node', 'dist/main.js']);
    expect(last(runtime, 'USER').args).not.toMatch(/^(root|0)(:|$)/);
    const main = resolvePosix(workdirOf(stages, runtime.name!), cmd![1]!);
    const copiedDist = all(runtime, 'COPY')
      .filter((ins) => ins.flags.get('from') !== undefined)
      .map((ins) => resolvePosix(workdirAt(ins), copyPaths(ins.args).dest));
    expect(copiedDist).toContain(posix.dirname(main));
  });

  test('sets NODE_ENV=production, exposes the replica port and checks /healthz with fetch', () => {
    const env = Object.assign({}, ...all(runtime, 'ENV').map((ins) => envOf(ins.args)));
    expect(env).toMatchObject({ NODE_ENV: 'production' });
    expect(all(runtime, 'EXPOSE').map((ins) => ins.args)).toEqual([String(TOPOLOGY.port)]);
    const check = healthcheckCommand();
    expect(check.slice(0, 2)).toEqual(['node', '-e']);
    expect(check[2]).toMatch(/fetch\(.*127\.0\.0\.1.*\/healthz/);
    expect(last(runtime, 'HEALTHCHECK').flags.get('start-period')).toBeDefined();
  });

  test('.dockerignore keeps host artefacts out and lets every COPY source in', () => {
    for (const path of [
      'node_modules/express/package.json',
      'deliverer/node_modules/ajv/package.json',
      'client/node_modules/vue/package.json',
      'deliverer/dist/main.js',
      'client/dist/index.html',
      'test-results/screenshot.png',
      '.git/HEAD',
    ]) {
      expect({ path, ignored: isIgnored(path) }).toEqual({ path, ignored: true });
    }
    for (const stage of stages) {
      for (const ins of all(stage, 'COPY').filter((i) => !i.flags.has('from'))) {
        for (const source of copyPaths(ins.args).sources) {
          expect({
            source,
            exists: existsSync(repoPath(source)),
            ignored: isIgnored(source),
          }).toEqual({ source, exists: true, ignored: false });
        }
      }
    }
  });

  describe('the runtime stage, assembled on this machine as Docker would', () => {
    let root: string;
    let workdir: string;
    let env: Record<string, string>;
    let installDir: string;

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'deliverer-image-'));
      ({ workdir, env, installDir } = await assembleRuntime(root));
    }, 180_000);
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    test('holds the gateway dependencies and no dev dependency', () => {
      const deliverer = JSON.parse(readRepoFile('deliverer/package.json')) as {
        dependencies: Record<string, string>;
      };
      const missing = Object.keys(deliverer.dependencies).filter(
        (name) =>
          !existsSync(join(installDir, 'node_modules', name)) &&
          !existsSync(join(installDir, 'deliverer/node_modules', name)),
      );
      expect(missing).toEqual([]);
      const devInstalled = Object.entries(lock.packages)
        .filter(([path, pkg]) => pkg.dev && existsSync(join(installDir, path)))
        .map(([path]) => path);
      expect(devInstalled).toEqual([]);
    });

    test('boots with its CMD from its WORKDIR, passes its HEALTHCHECK and serves the client', async () => {
      const port = String(await freePort());
      const runEnv = {
        ...env,
        PORT: port,
        POD_NAME: 'image',
        // The drain is not under test here, and would hold the teardown for 15 s.
        DRAIN_DELAY_MS: '0',
        DRAIN_WINDOW_MS: '0',
      };
      const cmd = execForm(last(runtime, 'CMD').args)!;
      const proc = new ManagedProcess('image', 'env', [
        '-i',
        ...containerEnv(runEnv),
        'sh',
        '-c',
        'cd "$0" && exec "$@"',
        join(root, workdir),
        ...cmd,
      ]);
      let exit;
      try {
        await proc.waitForLine(/"msg":"deliverer listening"/);
        const check = healthcheckCommand();
        await expect(
          run('env', ['-i', ...containerEnv(runEnv), ...check], { timeout: 10_000 }),
        ).resolves.toBeDefined();

        const page = await fetch(`http://127.0.0.1:${port}/`, {
          signal: AbortSignal.timeout(5000),
        });
        expect(page.status).toBe(200);
        expect(await page.text()).toBe(readRepoFile('client/dist/index.html'));
        expect(proc.stdout.filter((line) => line.includes('no built client found'))).toEqual([]);
        // Swagger UI's files come from node_modules at run time (the bundle leaves them out), and
        // the OpenAPI document from a chunk loaded on first use.
        for (const path of [
          '/api/docs/swagger-ui-bundle.js',
          '/api/docs/swagger-ui.css',
          '/api/docs-json',
        ]) {
          const res = await fetch(`http://127.0.0.1:${port}${path}`, {
            signal: AbortSignal.timeout(5000),
          });
          expect([path, res.status]).toEqual([path, 200]);
          await res.arrayBuffer();
        }
      } finally {
        exit = await proc.stop();
      }
      expect(exit).toEqual({ code: 0, signal: null });
      // And fails once nothing answers, so a dead replica is reported unhealthy.
      await expect(
        run('env', ['-i', ...containerEnv(runEnv), ...healthcheckCommand()], { timeout: 10_000 }),
      ).rejects.toMatchObject({ code: 1 });
    });
  });
});

/** The WORKDIR in effect at an instruction of the runtime stage. */
function workdirAt(target: Instruction): string {
  let dir = '/';
  for (const ins of runtime.instructions) {
    if (ins === target) return dir;
    if (ins.keyword === 'WORKDIR') dir = resolvePosix(dir, ins.args);
  }
  throw new Error(`line ${target.line} is not in the runtime stage`);
}

/**
 * Replays the runtime stage into `root` (standing for the image's /): WORKDIR, ENV, COPY from
 * the context (minus .dockerignore) and from the build stage (whose WORKDIR mirrors the
 * repository, see above, so its output is the repository's fresh build), and its `npm ci`,
 * offline from the npm cache that installing the repository filled. apt-get is skipped: the
 * test runs node itself, not tini.
 */
async function assembleRuntime(
  root: string,
): Promise<{ workdir: string; env: Record<string, string>; installDir: string }> {
  let workdir = '/';
  let installDir: string | undefined;
  const env: Record<string, string> = {};
  for (const ins of runtime.instructions) {
    if (ins.keyword === 'WORKDIR') {
      workdir = resolvePosix(workdir, ins.args);
      mkdirSync(join(root, workdir), { recursive: true });
    } else if (ins.keyword === 'ENV') {
      Object.assign(env, envOf(ins.args));
    } else if (ins.keyword === 'COPY') {
      copyInto(root, workdir, ins);
    } else if (ins.keyword === 'RUN') {
      const npm = /\bnpm (ci\b[^&;|]*)/.exec(ins.args);
      if (npm) {
        const args = [...npm[1]!.trim().split(/\s+/), '--offline'];
        installDir = join(root, workdir);
        await run('npm', args, {
          cwd: installDir,
          env: { ...npmEnv(), ...env },
          timeout: 150_000,
        }).catch((err: Error & { stderr?: string }) => {
          throw new Error(
            `npm ${args.join(' ')} failed (it reads the npm cache that \`npm ci\` in the repository fills): ${err.stderr ?? err.message}`,
          );
        });
      } else if (!/^apt-get update\b/.test(ins.args)) {
        throw new Error(`line ${ins.line}: teach this test what \`RUN ${ins.args}\` does`);
      }
    }
  }
  if (!installDir) throw new Error('the runtime stage installs no dependencies');
  return { workdir, env, installDir };
}

/**
 * Where COPY puts a source: a directory's contents go to the destination itself, a file goes
 * into it when the destination ends with / or there are several sources.
 */
function copyTarget(host: string, count: number, dest: string, target: string): string {
  if (statSync(host).isDirectory()) return target;
  return count > 1 || dest.endsWith('/') ? resolvePosix(target, basename(host)) : target;
}

function copyInto(root: string, workdir: string, ins: Instruction): void {
  const from = ins.flags.get('from');
  const { sources, dest } = copyPaths(ins.args);
  const target = resolvePosix(workdir, dest);
  for (const source of sources) {
    let host = repoPath(source);
    if (from !== undefined) {
      const inRepo = posix.relative(workdirOf(stages, from), source);
      if (inRepo.startsWith('..'))
        throw new Error(`line ${ins.line}: ${source} is outside the build`);
      host = repoPath(inRepo);
      if (!existsSync(host)) throw new Error(`${host} is missing: run \`npm run build\` first`);
    }
    cpSync(host, join(root, copyTarget(host, sources.length, dest, target)), {
      recursive: true,
      filter: (path) => from !== undefined || !isIgnored(relative(REPO_ROOT, path)),
    });
  }
}
