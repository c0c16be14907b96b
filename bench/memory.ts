/** Memory of this process (worker, API, fake and driver all run in it): before, after, and the peak in between. */
import fs from 'node:fs';

export interface MemorySample {
  rssMiB: number;
  heapUsedMiB: number;
}

export interface MemoryReport {
  before: MemorySample;
  after: MemorySample;
  peak: MemorySample;
}

const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
const sample = (): MemorySample => {
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) };
};

export class MemoryProbe {
  private readonly before = sample();
  private peak: MemorySample = { ...this.before };
  private readonly timer: NodeJS.Timeout;
  private after: MemorySample | null = null;

  constructor(intervalMs = 250) {
    this.timer = setInterval(() => this.take(), intervalMs);
    this.timer.unref();
  }

  private take(): MemorySample {
    const s = sample();
    this.peak = { rssMiB: Math.max(this.peak.rssMiB, s.rssMiB), heapUsedMiB: Math.max(this.peak.heapUsedMiB, s.heapUsedMiB) };
    return s;
  }

  report(): MemoryReport {
    return { before: this.before, after: this.after ?? sample(), peak: this.peak };
  }

  stop(): MemoryReport {
    clearInterval(this.timer);
    this.after = this.take();
    return this.report();
  }
}

/** Resident memory of another process (a Temporal server), from /proc; null where that cannot be read. */
export function processRssBytes(pid: number): number | null {
  try {
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kib ? Number(kib[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The process listening with `port` on its command line and `name` in it (a server started by the bench or the SDK). */
export function findProcessByPort(name: string, port: number): number | null {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  for (const entry of entries) {
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.includes(name)) && argv.includes(String(port))) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return null;
}
