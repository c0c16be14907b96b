/**
 * A long-running child process of the run command (the API, the worker): its output goes to this
 * process's stdout/stderr line by line with a `[name]` prefix, the last lines are kept for error
 * messages, and it runs in its own process group so that only the run command decides when (and in
 * which order) things stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildService {
  name: string;
  pid: number | undefined;
  /** Resolves with "code N" / "signal S" / "spawn error: ..." when the process has exited. */
  exited: Promise<string>;
  /** Whether the process has exited (undefined while running). */
  exitInfo(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited. Idempotent. */
  stop(graceMs: number): Promise<string>;
  /** Last lines of its output (stdout and stderr interleaved). */
  tail(lines?: number): string;
}

export interface ChildServiceOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function startChildService(opts: ChildServiceOptions): ChildService {
  const recent: string[] = [];
  const keep = (line: string) => {
    recent.push(line);
    if (recent.length > 200) recent.shift();
  };
  const child: ChildProcess = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  let exitInfo: string | undefined;

  const pipe = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) {
        keep(line);
        out.write(`[${opts.name}] ${line}\n`);
      }
    });
    stream.on('end', () => {
      if (partial) {
        keep(partial);
        out.write(`[${opts.name}] ${partial}\n`);
        partial = '';
      }
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);

  // Last resort if the run command exits without stopping us.
  const lastResort = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', lastResort);

  const exited = new Promise<string>((resolve) => {
    // 'close' (not 'exit') so that the last output lines are printed before we report the exit.
    child.once('close', (code, signal) => {
      exitInfo ??= signal ? `signal ${signal}` : `code ${code}`;
      process.removeListener('exit', lastResort);
      resolve(exitInfo);
    });
    child.once('error', (err) => {
      exitInfo ??= `spawn error: ${err.message}`;
      process.removeListener('exit', lastResort);
      resolve(exitInfo);
    });
  });

  let stopping: Promise<string> | undefined;
  return {
    name: opts.name,
    pid: child.pid,
    exited,
    exitInfo: () => exitInfo,
    stop: (graceMs) => {
      stopping ??= (async () => {
        if (exitInfo !== undefined) return exitInfo;
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (exitInfo === undefined) {
            process.stderr.write(`start: ${opts.name} did not stop within ${graceMs / 1000} s, killing it\n`);
            child.kill('SIGKILL');
          }
        }, graceMs);
        const info = await exited;
        clearTimeout(timer);
        return info;
      })();
      return stopping;
    },
    tail: (lines = 30) => recent.slice(-lines).join('\n') || '(no output)',
  };
}
