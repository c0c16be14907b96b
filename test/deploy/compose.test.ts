/**
 * Static checks of the deployment files (Docker cannot run on the dev machines or in CI):
 * docker-compose.yml, Dockerfile and tsconfig.build.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: string[] | Record<string, string | number | boolean | null>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const compose = parse(read('docker-compose.yml')) as ComposeFile;
const services = compose.services;

function dependsOn(service: ComposeService): string[] {
  const d = service.depends_on ?? [];
  return Array.isArray(d) ? d : Object.keys(d);
}

function environment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function command(service: ComposeService): string {
  const c = service.command ?? '';
  return Array.isArray(c) ? c.join(' ') : c;
}

/** Environment variables the application configuration reads (see config/index.ts). */
const CONFIG_VARIABLES = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'PORT'];

describe('docker-compose.yml', () => {
  it('has postgres, Temporal (auto-setup), the Temporal UI, the api and the worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'temporal', 'temporal-ui', 'worker']);
    expect(services.postgres?.image).toMatch(/^postgres:16/);
    expect(services.temporal?.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
  });

  it('points Temporal at the postgres service', () => {
    const env = environment(services.temporal!);
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('postgres');
    expect(env.POSTGRES_USER).toBe(environment(services.postgres!).POSTGRES_USER);
    expect(env.POSTGRES_PWD).toBe(environment(services.postgres!).POSTGRES_PASSWORD);
    expect(dependsOn(services.temporal!)).toContain('postgres');
    expect(environment(services['temporal-ui']!).TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it.each([
    ['api', 'node dist/api/main.js'],
    ['worker', 'node dist/worker/main.js'],
  ])('builds %s from the repo and runs %s after postgres and temporal', (name, cmd) => {
    const service = services[name]!;
    expect(service.build).toBeDefined();
    expect(command(service)).toBe(cmd);
    expect(dependsOn(service)).toEqual(expect.arrayContaining(['postgres', 'temporal']));
  });

  it.each(['api', 'worker'])('gives %s only variables the configuration reads, with consistent values', (name) => {
    const env = environment(services[name]!);
    for (const key of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(key);
    const pg = environment(services.postgres!);
    expect(env.DATABASE_URL).toBe(
      `postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`,
    );
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.TEMPORAL_NAMESPACE).toBe('default');
    expect(env.TEMPORAL_TASK_QUEUE).toBe('journeys');
  });

  it('exposes the api on PORT 3000', () => {
    expect(environment(services.api!).PORT).toBe('3000');
  });

  it('uses only variables that config/index.ts actually reads', async () => {
    const { loadConfig } = (await import('../../config/index.js')) as {
      loadConfig: (env: Record<string, string | undefined>) => unknown;
    };
    const read = new Set<string>();
    const recorder = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, key) => {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    });
    loadConfig(recorder);
    for (const name of ['api', 'worker']) {
      for (const key of Object.keys(environment(services[name]!))) expect(read).toContain(key);
    }
  });
});

describe('Dockerfile and tsconfig.build.json', () => {
  it('builds on node:20-bookworm-slim with npm ci and tsconfig.build.json', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim/m);
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/npx tsc -p tsconfig\.build\.json/);
  });

  it('emits to dist/ without tests', () => {
    const build = JSON.parse(read('tsconfig.build.json')) as {
      extends: string;
      compilerOptions: { outDir: string };
      exclude: string[];
    };
    expect(build.extends).toBe('./tsconfig.json');
    expect(build.compilerOptions.outDir).toBe('dist');
    expect(build.exclude).toEqual(expect.arrayContaining(['**/*.test.ts', 'test', 'bench']));
  });
});
