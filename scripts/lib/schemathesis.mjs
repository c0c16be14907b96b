// Finds (and if needed installs) schemathesis, the schema-driven API fuzzer behind `npm run fuzz`
// and the bounded contract pass of `npm test`: a project-local virtualenv `.tools/schemathesis-venv`
// with the pinned release from PyPI, reused when it already holds that release.
// Plain ESM with Node built-ins only (it runs before anything is compiled).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './temporal-binaries.mjs';

/** The one place where the schemathesis release is pinned. */
export const SCHEMATHESIS_VERSION = '4.32.5';
export const SCHEMATHESIS_VENV = path.join(PROJECT_ROOT, '.tools', 'schemathesis-venv');

const bin = (name) => path.join(SCHEMATHESIS_VENV, 'bin', name);

function installedVersion() {
  const res = spawnSync(bin('python'), ['-c', 'import importlib.metadata as m; print(m.version("schemathesis"))'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

function run(cmd, args, log) {
  log(`${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (${res.error?.message ?? `exit ${res.status}`}):\n${String(res.stderr ?? '').trim().split('\n').slice(-15).join('\n')}`);
  }
}

/** Path of the `schemathesis` executable, installing the pinned release into the venv first if needed. */
export function ensureSchemathesis({ log = (m) => console.log(`schemathesis: ${m}`) } = {}) {
  if (installedVersion() === SCHEMATHESIS_VERSION) return bin('schemathesis');
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${path.relative(PROJECT_ROOT, SCHEMATHESIS_VENV)}`);
  if (!fs.existsSync(bin('python'))) run('python3', ['-m', 'venv', SCHEMATHESIS_VENV], log);
  run(bin('python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], log);
  const version = installedVersion();
  if (version !== SCHEMATHESIS_VERSION) throw new Error(`schemathesis ${SCHEMATHESIS_VERSION} did not install (found ${version ?? 'nothing'})`);
  return bin('schemathesis');
}
