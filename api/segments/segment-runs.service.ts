/**
 * Segment-triggered bulk entry from the API: a one-off run, or a Temporal Schedule that starts one on
 * a cron or interval spec. Both start the `segmentEntry` workflow (workflows/segment-entry.ts); each
 * run's progress is a row of `segment_runs`, each schedule a row of `segment_schedules`.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { SegmentEntryInput } from '../../activities/segment-entry.js';
import type { AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/roles.js';
import { ApiError } from '../http/api-error.js';
import { pageOf, type Page, type PageRequest } from '../http/pagination.js';
import type { RuntimeOptions } from '../runtime.js';
import type { segmentEntry } from '../../workflows/segment-entry.js';

/** What to enroll and how fast (validated). */
export interface SegmentRunRequest {
  /** Default: the segment of the journey's segment trigger. */
  segment?: string;
  batchSize: number;
  ratePerSecond: number | null;
}

/** When a schedule starts runs: a cron expression (with an optional zone) or a fixed interval. */
export type ScheduleTiming = { cron: string; timeZone?: string } | { everyMs: number };

export interface SegmentRunView {
  id: string;
  journeyId: string;
  segment: string;
  scheduleId: string | null;
  status: 'running' | 'completed' | 'failed';
  /** Members when the run began; null until counted. */
  total: number | null;
  processed: number;
  enrolled: number;
  skipped: number;
  batchSize: number;
  ratePerSecond: number | null;
  error: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface SegmentScheduleView {
  id: string;
  journeyId: string;
  segment: string;
  spec: ScheduleTiming;
  batchSize: number;
  ratePerSecond: number | null;
  createdBy: string;
  createdAt: string;
  /** The next start times Temporal has planned (empty when the schedule is missing in Temporal). */
  nextRunAt: string[];
}

interface RunRow {
  id: string;
  seq: string;
  journey_id: string;
  segment_key: string;
  schedule_id: string | null;
  status: SegmentRunView['status'];
  total: number | null;
  processed: number;
  enrolled: number;
  skipped: number;
  batch_size: number;
  rate_per_second: number | null;
  error: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

interface ScheduleRow {
  id: string;
  seq: string;
  journey_id: string;
  segment_key: string;
  spec: ScheduleTiming;
  batch_size: number;
  rate_per_second: number | null;
  created_by: string;
  created_at: Date;
}

const toRun = (r: RunRow): SegmentRunView => ({
  id: r.id,
  journeyId: r.journey_id,
  segment: r.segment_key,
  scheduleId: r.schedule_id,
  status: r.status,
  total: r.total,
  processed: r.processed,
  enrolled: r.enrolled,
  skipped: r.skipped,
  batchSize: r.batch_size,
  ratePerSecond: r.rate_per_second,
  error: r.error,
  startedAt: r.started_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});


export class SegmentRunsService {
  constructor(
    private readonly db: DataSource,
    private readonly temporal: Client,
    private readonly options: RuntimeOptions,
    private readonly audit: AuditLog,
  ) {}

  /** Starts a one-off run now; its progress is readable at once. */
  async start(actor: Principal, journeyId: string, req: SegmentRunRequest): Promise<SegmentRunView> {
    const input = await this.inputFor(journeyId, req, null);
    const id = `segment-run:${journeyId}:${randomUUID()}`;
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO segment_runs (id, journey_id, segment_key, batch_size, rate_per_second) VALUES ($1, $2, $3, $4, $5)`,
        [id, journeyId, input.segment, input.batchSize, input.ratePerSecond],
      );
      await this.audit.record(actor, { action: 'segment_run.start', entityType: 'segment_run', entityId: id, detail: { journeyId, ...req, segment: input.segment } }, tx);
    });
    try {
      await this.temporal.workflow.start<typeof segmentEntry>('segmentEntry', { taskQueue: this.options.taskQueue, workflowId: id, args: [input] });
    } catch (err) {
      await this.db.query(`UPDATE segment_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [id, (err as Error).message]);
      throw err;
    }
    return this.get(journeyId, id);
  }

  async get(journeyId: string, runId: string): Promise<SegmentRunView> {
    const rows: RunRow[] = await this.db.query(`SELECT * FROM segment_runs WHERE id = $1 AND journey_id = $2`, [runId, journeyId]);
    if (rows.length === 0) throw new ApiError(404, 'segment_run_not_found', `Journey "${journeyId}" has no segment run "${runId}"`);
    return toRun(rows[0]);
  }

  /** Runs of a journey, newest first. */
  async list(journeyId: string, page: PageRequest<number>): Promise<Page<SegmentRunView>> {
    const rows: RunRow[] = await this.db.query(
      `SELECT * FROM segment_runs WHERE journey_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`,
      [journeyId, page.after, page.limit + 1],
    );
    const rowsPage = pageOf(rows, page.limit, (r) => Number(r.seq));
    return { items: rowsPage.items.map(toRun), nextCursor: rowsPage.nextCursor };
  }

  /** Creates a Temporal Schedule whose every action is a segment run (never two at once). */
  async createSchedule(actor: Principal, journeyId: string, req: SegmentRunRequest, timing: ScheduleTiming): Promise<SegmentScheduleView> {
    const id = `segment-schedule:${journeyId}:${randomUUID()}`;
    const input = await this.inputFor(journeyId, req, id);
    const spec: ScheduleSpec = 'cron' in timing ? { cronExpressions: [timing.cron], timezone: timing.timeZone } : { intervals: [{ every: timing.everyMs }] };
    try {
      await this.temporal.schedule.create({
        scheduleId: id,
        spec,
        action: { type: 'startWorkflow', workflowType: 'segmentEntry', taskQueue: this.options.taskQueue, workflowId: `segment-run:${journeyId}:${id.slice(-36)}`, args: [input] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
      });
    } catch (err) {
      // The server checks cron expressions and zones; the client reports an invalid spec as a TypeError.
      if (err instanceof TypeError) throw new ApiError(422, 'invalid_schedule', `The schedule is not valid: ${err.message}`);
      throw err;
    }
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO segment_schedules (id, journey_id, segment_key, spec, batch_size, rate_per_second, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, journeyId, input.segment, JSON.stringify(timing), input.batchSize, input.ratePerSecond, actor.name],
      );
      await this.audit.record(actor, { action: 'segment_schedule.create', entityType: 'segment_schedule', entityId: id, detail: { journeyId, ...req, segment: input.segment, timing } }, tx);
    });
    return this.getSchedule(journeyId, id);
  }

  async getSchedule(journeyId: string, scheduleId: string): Promise<SegmentScheduleView> {
    const rows: ScheduleRow[] = await this.db.query(`SELECT * FROM segment_schedules WHERE id = $1 AND journey_id = $2`, [scheduleId, journeyId]);
    if (rows.length === 0) throw new ApiError(404, 'segment_schedule_not_found', `Journey "${journeyId}" has no segment schedule "${scheduleId}"`);
    return this.toSchedule(rows[0]);
  }

  /** Schedules of a journey, newest first, with their next start times. */
  async listSchedules(journeyId: string, page: PageRequest<number>): Promise<Page<SegmentScheduleView>> {
    const rows: ScheduleRow[] = await this.db.query(
      `SELECT * FROM segment_schedules WHERE journey_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`,
      [journeyId, page.after, page.limit + 1],
    );
    const rowsPage = pageOf(rows, page.limit, (r) => Number(r.seq));
    return { items: await Promise.all(rowsPage.items.map((r) => this.toSchedule(r))), nextCursor: rowsPage.nextCursor };
  }

  /** Deletes the schedule in Temporal and its row; runs it started keep going. */
  async deleteSchedule(actor: Principal, journeyId: string, scheduleId: string): Promise<void> {
    const schedule = await this.getSchedule(journeyId, scheduleId);
    try {
      await this.temporal.schedule.getHandle(scheduleId).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM segment_schedules WHERE id = $1`, [scheduleId]);
      await this.audit.record(actor, { action: 'segment_schedule.delete', entityType: 'segment_schedule', entityId: scheduleId, detail: { journeyId, segment: schedule.segment, timing: schedule.spec } }, tx);
    });
  }

  private async toSchedule(r: ScheduleRow): Promise<SegmentScheduleView> {
    let nextRunAt: string[] = [];
    try {
      const described = await this.temporal.schedule.getHandle(r.id).describe();
      nextRunAt = described.info.nextActionTimes.map((t) => t.toISOString());
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    return {
      id: r.id,
      journeyId: r.journey_id,
      segment: r.segment_key,
      spec: r.spec,
      batchSize: r.batch_size,
      ratePerSecond: r.rate_per_second,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      nextRunAt,
    };
  }

  /** The workflow input: the journey must have an active version; the segment defaults to its segment trigger. */
  private async inputFor(journeyId: string, req: SegmentRunRequest, scheduleId: string | null): Promise<SegmentEntryInput> {
    const versions: { trigger_segment: string | null }[] = await this.db.query(
      `SELECT trigger_segment FROM journey_versions WHERE journey_id = $1 AND active`,
      [journeyId],
    );
    if (versions.length === 0) throw new ApiError(404, 'journey_not_active', `Journey "${journeyId}" has no published, active version`);
    const segment = req.segment ?? versions[0].trigger_segment;
    if (!segment) {
      throw new ApiError(422, 'segment_required', `Journey "${journeyId}" has no segment trigger: name the segment to enroll in "segment"`);
    }
    const found: unknown[] = await this.db.query(`SELECT 1 FROM segments WHERE key = $1`, [segment]);
    if (found.length === 0) throw new ApiError(422, 'segment_not_found', `No segment with key "${segment}"`);
    return { journeyId, segment, batchSize: req.batchSize, ratePerSecond: req.ratePerSecond, scheduleId, defaults: this.options.defaults };
  }
}
