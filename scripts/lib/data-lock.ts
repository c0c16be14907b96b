/**
 * One `npm start` per data folder. The run command takes `<data>/start.lock` (its pid) before it
 * starts anything, so a second start on a folder still held by another instance stops at once with
 * the folder and the holder's pid, instead of PostgreSQL refusing the cluster half-way through.
 * A lock whose process is gone (a crash, a kill -9) is taken over. PostgreSQL's own
 * `postmaster.pid` is checked too: a server left running by a killed instance holds the cluster.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface DataLock {
  file: string;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

/** Thrown when another live process holds the folder. */
export class DataFolderInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
    what: string,
  ) {
    super(
      `the data folder ${dataDir} is in use by ${what} (pid ${holderPid}): stop that one first ` +
        `(kill -TERM ${holderPid}), or start this one on another folder with JE_DATA_DIR=<folder>`,
    );
    this.name = 'DataFolderInUseError';
  }
}

/** Whether `pid` runs and, where /proc tells, is a `name` process (a pid file may name a reused pid). */
function alive(pid: number, name: RegExp): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false; // EPERM: it exists, owned by another user
  }
  try {
    return name.test(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** The first line of a pid file as a number, or NaN. */
function pidIn(file: string): number {
  try {
    return Number(fs.readFileSync(file, 'utf8').split('\n')[0]?.trim());
  } catch {
    return Number.NaN;
  }
}

/** Takes `<dataDir>/start.lock` for this process; throws DataFolderInUseError when another live process holds the folder. */
export function lockDataFolder(dataDir: string, pid = process.pid): DataLock {
  const file = path.join(dataDir, 'start.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, `${pid}\n${new Date().toISOString()}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = pidIn(file);
      if (holder !== pid && alive(holder, /node|npm/)) throw new DataFolderInUseError(dataDir, holder, 'another `npm start`');
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  const postmaster = pidIn(path.join(dataDir, 'postgres', 'postmaster.pid'));
  if (alive(postmaster, /postgres/)) {
    fs.rmSync(file, { force: true });
    throw new DataFolderInUseError(dataDir, postmaster, `a PostgreSQL server still running on ${path.join(dataDir, 'postgres')}`);
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      if (pidIn(file) === pid) fs.rmSync(file, { force: true });
    },
  };
}
