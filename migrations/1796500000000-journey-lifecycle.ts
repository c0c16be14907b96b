import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Journey authoring and lifecycle: a draft canvas with a revision number on each journey, the version
 * new customers enter (`active_version`), the lifecycle status as a checked set, who published (and
 * approved) each version, and four-eyes publish requests. Journeys published before this keep their
 * newest version as their draft and are `active` (a version accepts entries) or `paused`.
 */
export class JourneyLifecycle1796500000000 implements MigrationInterface {
  name = 'JourneyLifecycle1796500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE journeys
        ADD COLUMN draft            jsonb,
        ADD COLUMN draft_revision   integer NOT NULL DEFAULT 0,
        ADD COLUMN draft_updated_at timestamptz,
        ADD COLUMN active_version   integer`);
    await db.query(`
      ALTER TABLE journey_versions
        ADD COLUMN draft_revision     integer,
        ADD COLUMN published_by       jsonb,
        ADD COLUMN approved_by        jsonb,
        ADD COLUMN publish_request_id bigint`);
    // Existing journeys: the accepting version (else the newest) is the active one, its canvas the draft.
    await db.query(`
      UPDATE journeys j SET
        active_version = v.version,
        draft = v.canvas,
        draft_revision = 1,
        draft_updated_at = v.published_at,
        status = CASE WHEN v.active THEN 'active' ELSE 'paused' END
      FROM (SELECT DISTINCT ON (journey_id) journey_id, version, canvas, active, published_at
              FROM journey_versions ORDER BY journey_id, active DESC, version DESC) v
      WHERE v.journey_id = j.id`);
    await db.query(`UPDATE journey_versions v SET draft_revision = 1 FROM journeys j WHERE j.id = v.journey_id AND j.active_version = v.version`);
    await db.query(`UPDATE journeys SET status = 'draft' WHERE status NOT IN ('draft', 'active', 'paused', 'stopped', 'archived')`);
    await db.query(`ALTER TABLE journeys ADD CONSTRAINT journeys_status CHECK (status IN ('draft', 'active', 'paused', 'stopped', 'archived'))`);
    await db.query(`CREATE INDEX journeys_status ON journeys (status, id)`);
    await db.query(`
      CREATE TABLE journey_publish_requests (
        id              bigserial PRIMARY KEY,
        journey_id      text NOT NULL REFERENCES journeys(id),
        draft_revision  integer NOT NULL,
        canvas          jsonb NOT NULL,
        base_version    integer,
        diff            jsonb NOT NULL,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'stale')),
        requested_by    jsonb NOT NULL,
        requested_at    timestamptz NOT NULL DEFAULT now(),
        decided_by      jsonb,
        decided_at      timestamptz,
        reason          text,
        version         integer
      )`);
    await db.query(`CREATE INDEX journey_publish_requests_journey ON journey_publish_requests (journey_id, id)`);
    // One open request per draft revision: asking twice returns the same request.
    await db.query(`CREATE UNIQUE INDEX journey_publish_requests_one_pending ON journey_publish_requests (journey_id, draft_revision)
                    WHERE status = 'pending'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS journey_publish_requests`);
    await db.query(`DROP INDEX IF EXISTS journeys_status`);
    await db.query(`ALTER TABLE journeys DROP CONSTRAINT IF EXISTS journeys_status`);
    await db.query(`ALTER TABLE journey_versions DROP COLUMN draft_revision, DROP COLUMN published_by, DROP COLUMN approved_by, DROP COLUMN publish_request_id`);
    await db.query(`ALTER TABLE journeys DROP COLUMN draft, DROP COLUMN draft_revision, DROP COLUMN draft_updated_at, DROP COLUMN active_version`);
  }
}
