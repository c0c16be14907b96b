import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events table becomes the dispatch outbox: an undispatched event is claimed by one dispatcher
 * (the request that stored it, or an API instance's outbox loop) until `dispatch_claimed_until`, so
 * no two dispatch it at once and a crashed claimer's events are taken over once the claim lapses.
 */
export class EventOutbox1797050000000 implements MigrationInterface {
  name = 'EventOutbox1797050000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE events ADD COLUMN dispatch_claimed_until timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE events DROP COLUMN dispatch_claimed_until`);
  }
}
