/**
 * A database of its own on the test PostgreSQL server, for a test whose counts must not see other
 * test files' rows (every live admin key, every owed CRM copy). Dropped by `drop()`.
 */
import pg from 'pg';
import { testDatabaseUrl } from './env.js';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates `<prefix>_<pid>_<time>` next to the test database (empty: run the migrations on it). */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
