/** Memory of this process (worker, API, fake and driver all run in it): before, after, and the peak in between. */

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
