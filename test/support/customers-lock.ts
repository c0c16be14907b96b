/**
 * Statement-timeout tests: make queries over `customers` unable to finish by holding the table
 * exclusively. Every such test goes through here, under one advisory lock, so that two of them
 * running at once in different jest workers never lock the table while the other checks that its
 * short limit lets a normal query through.
 */
import type { DataSource } from 'typeorm';

/** Advisory lock key of the section: any constant no other code uses. */
const SECTION = 0x0c05_7063;

/**
 * Runs `whileLocked` with `customers` held in ACCESS EXCLUSIVE mode by another session, then
 * `afterwards` with the table free again, both inside the section.
 */
export async function withCustomersLocked(db: DataSource, whileLocked: () => Promise<void>, afterwards: () => Promise<void>): Promise<void> {
  const blocker = db.createQueryRunner();
  await blocker.connect();
  try {
    await blocker.query(`SELECT pg_advisory_lock($1)`, [SECTION]);
    try {
      await blocker.startTransaction();
      try {
        await blocker.query(`LOCK TABLE customers IN ACCESS EXCLUSIVE MODE`);
        await whileLocked();
      } finally {
        await blocker.rollbackTransaction();
      }
      await afterwards();
    } finally {
      await blocker.query(`SELECT pg_advisory_unlock($1)`, [SECTION]);
    }
  } finally {
    await blocker.release();
  }
}
