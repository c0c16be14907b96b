import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The durable runtime's tables: customers, events, segments, journeys and versions, enrollments, step records, send ledger. */
export class Runtime1764115200000 implements MigrationInterface {
  name = 'Runtime1764115200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE customers (
        id          text PRIMARY KEY,
        traits      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE events (
        id            bigserial PRIMARY KEY,
        event_id      text NOT NULL UNIQUE,
        customer_id   text NOT NULL,
        name          text NOT NULL,
        event_time    timestamptz NOT NULL,
        received_at   timestamptz NOT NULL DEFAULT now(),
        properties    jsonb NOT NULL DEFAULT '{}'::jsonb,
        dispatched_at timestamptz
      )`);
    await db.query(`CREATE INDEX events_customer_name_time ON events (customer_id, name, event_time)`);
    await db.query(`CREATE INDEX events_undispatched ON events (received_at) WHERE dispatched_at IS NULL`);
    await db.query(`
      CREATE TABLE segments (
        key         text PRIMARY KEY,
        name        text NOT NULL,
        definition  jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE segment_memberships (
        segment_key text NOT NULL REFERENCES segments(key) ON DELETE CASCADE,
        customer_id text NOT NULL,
        entered_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (segment_key, customer_id)
      )`);
    await db.query(`
      CREATE TABLE journeys (
        id          text PRIMARY KEY,
        name        text NOT NULL,
        status      text NOT NULL DEFAULT 'draft',
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE journey_versions (
        id              text PRIMARY KEY,
        journey_id      text NOT NULL REFERENCES journeys(id),
        version         integer NOT NULL,
        canvas          jsonb NOT NULL,
        plan            jsonb NOT NULL,
        trigger_kind    text NOT NULL,
        trigger_event   text,
        trigger_segment text,
        active          boolean NOT NULL DEFAULT false,
        published_at    timestamptz NOT NULL DEFAULT now(),
        UNIQUE (journey_id, version)
      )`);
    await db.query(`CREATE INDEX journey_versions_active_event ON journey_versions (trigger_event) WHERE active`);
    await db.query(`CREATE INDEX journey_versions_active_segment ON journey_versions (trigger_segment) WHERE active`);
    await db.query(`
      CREATE TABLE enrollments (
        id              text PRIMARY KEY,
        journey_id      text NOT NULL REFERENCES journeys(id),
        version_id      text NOT NULL REFERENCES journey_versions(id),
        customer_id     text NOT NULL,
        entry_key       text NOT NULL DEFAULT '',
        seq             integer NOT NULL,
        trigger_key     text,
        status          text NOT NULL,
        entry           jsonb NOT NULL DEFAULT '{}'::jsonb,
        watched_events  text[] NOT NULL DEFAULT '{}',
        current_node    text,
        waiting_until   timestamptz,
        enrolled_at     timestamptz NOT NULL DEFAULT now(),
        started_at      timestamptz,
        ended_at        timestamptz,
        exit_reason     text,
        UNIQUE (journey_id, customer_id, entry_key, seq),
        CHECK (status IN ('pending', 'active', 'completed', 'converted', 'exited', 'failed'))
      )`);
    // At most one live run per journey, customer and entry key, whatever the concurrency.
    await db.query(`CREATE UNIQUE INDEX enrollments_one_live ON enrollments (journey_id, customer_id, entry_key)
                    WHERE status IN ('pending', 'active')`);
    // A trigger (one event, one API request key, one segment entry) enrolls at most once.
    await db.query(`CREATE UNIQUE INDEX enrollments_trigger_once ON enrollments (journey_id, trigger_key)
                    WHERE trigger_key IS NOT NULL`);
    await db.query(`CREATE INDEX enrollments_customer_live ON enrollments (customer_id) WHERE status IN ('pending', 'active')`);
    await db.query(`CREATE INDEX enrollments_pending ON enrollments (enrolled_at) WHERE status = 'pending'`);
    await db.query(`
      CREATE TABLE enrollment_steps (
        enrollment_id text NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
        seq           integer NOT NULL,
        at            timestamptz NOT NULL,
        node_id       text,
        kind          text NOT NULL,
        detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (enrollment_id, seq)
      )`);
    await db.query(`
      CREATE TABLE messages (
        id                  bigserial PRIMARY KEY,
        idempotency_key     text NOT NULL UNIQUE,
        enrollment_id       text NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
        node_id             text NOT NULL,
        customer_id         text NOT NULL,
        action              text NOT NULL,
        category            text NOT NULL,
        status              text NOT NULL,
        provider            text,
        provider_message_id text,
        request             jsonb NOT NULL DEFAULT '{}'::jsonb,
        error_code          text,
        error_message       text,
        attempts            integer NOT NULL DEFAULT 0,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown'))
      )`);
    await db.query(`CREATE INDEX messages_customer ON messages (customer_id, created_at)`);
    // What the recording channel "sent": an append-only outbox standing in for a provider.
    await db.query(`
      CREATE TABLE recorded_sends (
        id              bigserial PRIMARY KEY,
        idempotency_key text NOT NULL,
        channel         text NOT NULL,
        customer_id     text NOT NULL,
        recipient       text NOT NULL,
        payload         jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX recorded_sends_key ON recorded_sends (idempotency_key)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'recorded_sends',
      'messages',
      'enrollment_steps',
      'enrollments',
      'journey_versions',
      'journeys',
      'segment_memberships',
      'segments',
      'events',
      'customers',
    ]) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
