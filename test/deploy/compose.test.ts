/**
 * Static checks of the deployment files (Docker cannot run on the dev machines or in CI):
 * docker-compose.yml, Dockerfile, .dockerignore and tsconfig.build.json, cross-checked against the
 * repository and against what loadConfig() reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../config/index.js';
import { APP_SERVICES, type ComposeService, environment, readCompose, repoRoot } from '../support/compose.js';

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');

// ---------------------------------------------------------------- docker-compose.yml

const services = readCompose().services;

function dependsOn(service: ComposeService): Record<string, string | undefined> {
  const d = service.depends_on ?? [];
  return Array.isArray(d) ? Object.fromEntries(d.map((name) => [name, undefined])) : Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v?.condition]));
}

function command(service: ComposeService): string {
  const c = service.command ?? '';
  return Array.isArray(c) ? c.join(' ') : c;
}

function healthcheck(service: ComposeService): string {
  const t = service.healthcheck?.test ?? '';
  return Array.isArray(t) ? t.join(' ') : t;
}

function build(service: ComposeService): { context: string; dockerfile: string; target?: string } {
  const b = service.build;
  if (typeof b === 'string') return { context: b, dockerfile: 'Dockerfile' };
  return { context: b?.context ?? '.', dockerfile: b?.dockerfile ?? 'Dockerfile', target: b?.target };
}

// ---------------------------------------------------------------- Dockerfile(s)

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions per stage, with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      stages.push({ from: m[1]!, name: m[2], instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

/** COPY/ADD sources (not `--from=` copies) and destination. */
function copies(stage: Stage): { sources: string[]; dest: string }[] {
  return stage.instructions
    .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !/--from=/.test(i.args))
    .map((i) => {
      const words = i.args.trim().startsWith('[') ? (JSON.parse(i.args) as string[]) : i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return { sources: words.slice(0, -1), dest: words.at(-1)! };
    });
}

const dockerfiles = [...new Set(Object.values(services).filter((s) => s.build).map((s) => build(s).dockerfile))];
const parsed = Object.fromEntries(dockerfiles.map((file) => [file, parseDockerfile(read(file))]));

// ---------------------------------------------------------------- tsconfig.build.json

const buildConfig = JSON.parse(read('tsconfig.build.json')) as {
  extends: string;
  compilerOptions: { outDir: string; rootDir?: string };
  include: string[];
  exclude: string[];
};

/** Whether tsc -p tsconfig.build.json compiles this source file (include by folder or file; the excludes used here). */
function compiledByBuild(source: string): boolean {
  const rel = source.split(path.sep).join('/');
  const included = buildConfig.include.some((inc) => rel === inc || rel.startsWith(`${inc.replace(/\/$/, '')}/`));
  const excluded = buildConfig.exclude.some((ex) => {
    if (ex === '**/*.test.ts') return rel.endsWith('.test.ts');
    return rel === ex || rel.startsWith(`${ex}/`);
  });
  return included && !excluded;
}

/** `node dist/worker/main.js` -> `worker/main.ts`. */
function sourceOfEntry(cmd: string): string {
  const m = /^node\s+(?:--\S+\s+)*dist\/(\S+)\.js$/.exec(cmd.trim());
  if (!m) throw new Error(`"${cmd}" is not "node dist/<file>.js"`);
  return `${m[1]}.ts`;
}

// ================================================================ tests

describe('docker-compose.yml', () => {
  it('has postgres, Temporal (auto-setup), the search-attribute set-up, the Temporal UI, migrate, the api and the worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'temporal', 'temporal-search-attributes', 'temporal-ui', 'worker']);
    expect(services.postgres?.image).toMatch(/^postgres:16/);
    expect(services.temporal?.image).toMatch(/^temporalio\/auto-setup:\d/);
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:\d/);
  });

  it('points Temporal at the postgres service and waits for it', () => {
    const env = environment(services.temporal!);
    const pg = environment(services.postgres!);
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('postgres');
    expect(env.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(env.POSTGRES_PWD).toBe(pg.POSTGRES_PASSWORD);
    expect(dependsOn(services.temporal!)).toEqual({ postgres: 'service_healthy' });
    expect(environment(services['temporal-ui']!).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(dependsOn(services['temporal-ui']!)).toEqual({ temporal: 'service_healthy' });
  });

  it('has healthchecks on postgres (pg_isready), Temporal (temporal CLI), the api and the worker', () => {
    expect(healthcheck(services.postgres!)).toMatch(/pg_isready -U journey -d journey/);
    expect(healthcheck(services.temporal!)).toMatch(/temporal operator (namespace describe --namespace default|cluster health) .*--address temporal:7233/);
    for (const name of ['postgres', 'temporal', 'api', 'worker']) expect(services[name]!.healthcheck?.disable).not.toBe(true);
    // The image has no curl/wget: the checks use node's fetch.
    for (const name of ['api', 'worker']) expect(services[name]!.healthcheck!.test).toEqual(expect.arrayContaining(['CMD', 'node', '-e']));
  });

  it('checks the api on a route the API serves, on its PORT', () => {
    const url = /fetch\('http:\/\/127\.0\.0\.1:(\d+)(\/health(?:\/(ready|live))?)'\)/.exec(healthcheck(services.api!));
    expect(url).not.toBeNull();
    expect(url![1]).toBe(environment(services.api!).PORT);
    const controller = read('api/health/health.controller.ts');
    expect(controller).toContain("@Controller('health')");
    if (url![3]) expect(controller).toContain(`@Get('${url![3]}')`);
  });

  it('checks the worker on its metrics port, which listens on all interfaces of the container', () => {
    const env = environment(services.worker!);
    expect(healthcheck(services.worker!)).toContain(`http://127.0.0.1:${env.JE_WORKER_METRICS_PORT}/health/`);
    expect(env.HOST).toBe('0.0.0.0');
    expect((services.worker!.expose ?? []).map(String)).toContain(env.JE_WORKER_METRICS_PORT);
  });

  it.each([
    ['migrate', 'node dist/store/migrate-main.js', 'api'],
    ['api', 'node dist/api/main.js', 'api'],
    ['worker', 'node dist/worker/main.js', 'worker'],
  ])('builds %s from the repo and runs %s (target %s)', (name, cmd, target) => {
    const service = services[name]!;
    expect(build(service)).toEqual({ context: '.', dockerfile: 'Dockerfile', target });
    expect(command(service)).toBe(cmd);
  });

  it('runs migrate once, in the api image, after postgres is healthy', () => {
    expect(services.migrate!.image).toBe(services.api!.image);
    expect(services.migrate!.restart ?? 'no').toBe('no');
    expect(dependsOn(services.migrate!)).toEqual({ postgres: 'service_healthy' });
    expect(Object.keys(environment(services.migrate!))).toEqual(['DATABASE_URL']);
  });

  it.each(['api', 'worker'])('starts %s only after postgres and temporal are healthy, the search attributes registered and migrate completed', (name) => {
    expect(dependsOn(services[name]!)).toEqual({
      postgres: 'service_healthy',
      temporal: 'service_healthy',
      'temporal-search-attributes': 'service_completed_successfully',
      migrate: 'service_completed_successfully',
    });
  });

  it('registers every run search attribute the engine sets, with its type, once Temporal is healthy', async () => {
    const { RUN_SEARCH_ATTRIBUTES } = await import('../../core/run-search-attributes.js');
    const setup = services['temporal-search-attributes']!;
    expect(dependsOn(setup)).toEqual({ temporal: 'service_healthy' });
    expect(setup.restart).toBe('no');
    const script = command(setup);
    for (const a of RUN_SEARCH_ATTRIBUTES) expect(script).toContain(`${a.name}=${a.type}`);
    expect(script).toContain('temporal operator search-attribute create --namespace default');
  });

  it('runs at least two workers without host ports or fixed names', () => {
    const worker = services.worker!;
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.container_name).toBeUndefined();
    expect(worker.hostname).toBeUndefined(); // the hostname is part of each replica's Temporal identity
  });

  it('exposes the api on 3000 on all interfaces of its container', () => {
    const env = environment(services.api!);
    expect(env.PORT).toBe('3000');
    expect(env.HOST).toBe('0.0.0.0');
    expect((services.api!.ports ?? []).map(String)).toContain('3000:3000');
  });

  it.each(APP_SERVICES)('gives %s consistent connection settings', (name) => {
    const env = environment(services[name]!);
    const pg = environment(services.postgres!);
    expect(env.DATABASE_URL).toBe(`postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`);
    if (name === 'migrate') return;
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.TEMPORAL_NAMESPACE).toBe('default');
    expect(env.TEMPORAL_TASK_QUEUE).toBe('journeys');
  });

  it.each(APP_SERVICES)('gives %s only variables that loadConfig() reads, with values it accepts', (name) => {
    const readVariables = new Set<string>();
    const recorder = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, key) => {
        if (typeof key === 'string') readVariables.add(key);
        return undefined;
      },
    });
    loadConfig(recorder);
    const env = environment(services[name]!);
    for (const key of Object.keys(env)) expect({ [key]: readVariables.has(key) }).toEqual({ [key]: true });
    expect(() => loadConfig(env)).not.toThrow();
  });
});

describe.each(dockerfiles)('%s', (dockerfile) => {
  const stages = parsed[dockerfile]!;
  const buildStage = stages[0]!;

  it('has a stage for every target a service builds, and ends with the api stage (the default target)', () => {
    const names = stages.map((s) => s.name);
    for (const service of Object.values(services).filter((s) => s.build && build(s).dockerfile === dockerfile)) {
      expect(names).toContain(build(service).target);
    }
    expect(stages.at(-1)!.name).toBe('api');
  });

  it('builds on node:20-bookworm-slim with npm ci, tsc -p tsconfig.build.json and the workflow bundle', () => {
    for (const stage of stages) expect(stage.from).toMatch(/^(node:20-bookworm-slim|build|runtime)$/);
    const runs = buildStage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' && ');
    expect(runs).toMatch(/npm ci/);
    const tsc = runs.indexOf('npx tsc -p tsconfig.build.json');
    const bundle = runs.indexOf('scripts/bundle-workflows.ts');
    const prune = runs.indexOf('npm prune --omit=dev');
    expect(tsc).toBeGreaterThan(-1);
    expect(bundle).toBeGreaterThan(tsc); // bundles the COMPILED workflows
    expect(prune).toBeGreaterThan(bundle); // the bundler needs the dev dependencies
  });

  it('COPYs only files that exist and that .dockerignore does not exclude', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const all = stages.flatMap(copies).flatMap((c) => c.sources);
    expect(all.length).toBeGreaterThan(0);
    for (const source of all) {
      expect({ [source]: fs.existsSync(path.join(repoRoot, source)) }).toEqual({ [source]: true });
      expect({ [source]: ignored.includes(source.split('/')[0]!) }).toEqual({ [source]: false });
    }
  });

  it('copies every folder tsconfig.build.json compiles, and everything the copied sources import', () => {
    const copied = copies(buildStage).flatMap((c) => c.sources).map((s) => path.join(repoRoot, s));
    const isCopied = (file: string) => copied.some((c) => file === c || file.startsWith(`${c}${path.sep}`));
    for (const include of buildConfig.include) expect({ [include]: isCopied(path.join(repoRoot, include)) }).toEqual({ [include]: true });

    const missing: string[] = [];
    const visit = (file: string) => {
      const stat = fs.statSync(file);
      if (stat.isDirectory()) {
        for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
        return;
      }
      if (!/\.(ts|mts|mjs|js)$/.test(file) || file.endsWith('.test.ts') || file.endsWith('.d.ts')) return;
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts')];
        if (!candidates.some(isCopied)) missing.push(`${path.relative(repoRoot, file)} imports ${m[1]}`);
      }
    };
    for (const source of copied) if (!source.endsWith('.json')) visit(source);
    expect(missing).toEqual([]);
  });

  it('runs the compiled entry of a source file tsconfig.build.json compiles', () => {
    const cmds = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'CMD').map((i) => (JSON.parse(i.args) as string[]).join(' ')));
    const composeCmds = APP_SERVICES.map((name) => command(services[name]!));
    for (const cmd of [...cmds, ...composeCmds]) {
      const source = sourceOfEntry(cmd);
      expect({ [cmd]: fs.existsSync(path.join(repoRoot, source)) && compiledByBuild(source) }).toEqual({ [cmd]: true });
    }
  });

  it('runs as the unprivileged node user in production mode', () => {
    const runtime = stages.find((s) => s.name === 'runtime')!;
    expect(runtime.instructions).toEqual(expect.arrayContaining([{ keyword: 'USER', args: 'node' }]));
    expect(runtime.instructions.find((i) => i.keyword === 'ENV')?.args).toMatch(/NODE_ENV=production/);
  });
});

describe('tsconfig.build.json', () => {
  it('emits to dist/ without tests', () => {
    expect(buildConfig.extends).toBe('./tsconfig.json');
    expect(buildConfig.compilerOptions.outDir).toBe('dist');
    expect(buildConfig.exclude).toEqual(expect.arrayContaining(['**/*.test.ts', 'test', 'bench']));
  });

  it('compiles the migrate entry used by the migrate service and npm run migrate', () => {
    expect(compiledByBuild('store/migrate-main.ts')).toBe(true);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.migrate).toContain('store/migrate-main.ts');
  });
});
