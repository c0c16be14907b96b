/** `npm start` as a long-running child process, for tests that drive the whole system. */
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../scripts/lib/temporal-binaries.mjs';

/** A long-running `npm start` (without setup) that resolves `ready` once the ready block is printed. */
export function launchStart(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'scripts/start.ts'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      if (output.includes('Press Ctrl-C to stop everything')) resolve(output);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`start exited (${code}) before ready:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    ready,
    output: () => output,
    /** Ctrl-C: SIGINT, then the exit code. */
    async stop(): Promise<number | null> {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** Polls `probe` every 250 ms until it gives a truthy value. */
export async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

