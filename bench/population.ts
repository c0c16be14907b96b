/**
 * What the population benchmarks share: a PostgreSQL (a given --database-url, or their own embedded
 * one), a Temporal dev server, the bench runtime (API, worker) and the generator's population
 * (scripts/generate-population.ts), generated only when it is not there yet.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { generatePopulation, parseArgs, type PopulationOptions } from '../scripts/generate-population.js';
import { startDevServer } from '../scripts/lib/temporal-dev-server.js';
import { migrate } from '../store/migrate.js';
import { startTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import { startBenchRuntime, type BenchRuntime } from './runtime.js';

export interface PopulationBench {
  rt: BenchRuntime;
  opts: PopulationOptions;
  /** Rows in the database (the population and anything else there). */
  counts: { customers: number; events: number };
  /** Seconds spent generating, or null when the population was already there. */
  generateSeconds: number | null;
  stop(): Promise<void>;
}

/** Starts everything for benchmark `name` from the generator's flags in `argv`. */
export async function startPopulationBench(name: string, argv: string[], log: (line: string) => void): Promise<PopulationBench> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let pg: TestPostgres | undefined;
  const own = !argv.some((a) => a.startsWith('--database-url'));
  if (own) pg = await startTestPostgres({ log });
  const opts = parseArgs(own ? [...argv, '--database-url', pg!.url] : argv);
  const temporal = await startDevServer();
  let rt: BenchRuntime | undefined;
  const stop = async () => {
    await rt?.stop().catch((err) => console.error(`${name}: stopping the runtime failed:`, err));
    await temporal.stop().catch((err) => console.error(`${name}: stopping Temporal failed:`, err));
    await pg?.stop().catch((err) => console.error(`${name}: stopping PostgreSQL failed:`, err));
  };
  try {
    await migrate(opts.databaseUrl);
    rt = await startBenchRuntime({ databaseUrl: opts.databaseUrl, temporalAddress: temporal.address, name });
    const [{ n: present }] = await rt.db.query(`SELECT count(*)::int AS n FROM customers WHERE id LIKE $1`, [`${opts.prefix}-%`]);
    let generateSeconds: number | null = null;
    if (present < opts.customers) {
      log(`generating ${opts.customers} customers and about ${opts.events} events`);
      generateSeconds = (await generatePopulation(opts)).seconds;
    }
    const [counts] = await rt.db.query(`SELECT (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM events) AS events`);
    return { rt, opts, counts, generateSeconds, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
