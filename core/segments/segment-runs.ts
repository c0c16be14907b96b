/**
 * Segment-triggered bulk entry from the API: a one-off run, or a Temporal Schedule that starts one on
 * a cron or interval spec. Both start the `segmentEntry` workflow (workflows/segment-entry.ts); each
 * run's progress is a row of `segment_runs`, each schedule a row of `segment_schedules`. A one-off run
 * is a durable operation (core/operations.ts): the row is written first and a lost workflow start is
 * picked up by the recovery sweep; `GET /v1/operations/:id` reports it.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { SegmentEntryInput } from '../../engine/workflow-contract.js';
import type { AuditLog } from '../access/audit-log.js';
import type { Principal } from '../access/roles.js';
import { notFound, unprocessable } from '../errors.js';
import { pageOf, type Page, type PageRequest } from '../page.js';
import type { RunDefaults } from '../../engine/runtime.js';
import type { DurableOperations } from '../operations.js';
import { SegmentRunsRepository, type SegmentRunRow } from '../../store/segment-runs.repository.js';
import { SegmentSchedulesRepository, type SegmentScheduleRow } from '../../store/segment-schedules.repository.js';
import { SegmentsRepository } from '../../store/segments.repository.js';
import { VersionsRepository } from '../../store/versions.repository.js';

/** Where segment runs execute and what their enrollments default to (the API's runtime options). */
export interface SegmentRunsOptions {
  taskQueue: string;
  defaults: RunDefaults;
}

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

type RunRow = SegmentRunRow;
type ScheduleRow = SegmentScheduleRow<ScheduleTiming>;

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
  private readonly runs: SegmentRunsRepository;
  private readonly schedules: SegmentSchedulesRepository<ScheduleTiming>;
  private readonly segments: SegmentsRepository;
  private readonly versions: VersionsRepository;

  constructor(
    private readonly db: DataSource,
    private readonly temporal: Client,
    private readonly options: SegmentRunsOptions,
    private readonly audit: AuditLog,
    private readonly operations: DurableOperations,
  ) {
    this.runs = new SegmentRunsRepository(db);
    this.schedules = new SegmentSchedulesRepository<ScheduleTiming>(db);
    this.segments = new SegmentsRepository(db);
    this.versions = new VersionsRepository(db);
  }

  /** Starts a one-off run now; its progress is readable at once. */
  async start(actor: Principal, journeyId: string, req: SegmentRunRequest): Promise<SegmentRunView & { operationId: string }> {
    const input = await this.inputFor(journeyId, req, null);
    const id = `segment-run:${journeyId}:${randomUUID()}`;
    await this.db.transaction(async (tx) => {
      await this.runs.insert({ id, journeyId, segment: input.segment, batchSize: input.batchSize, ratePerSecond: input.ratePerSecond }, tx);
      await this.audit.record(actor, { action: 'segment_run.start', entityType: 'segment_run', entityId: id, detail: { journeyId, ...req, segment: input.segment } }, tx);
    });
    try {
      await this.operations.startSegmentRun(id, input);
    } catch (err) {
      await this.runs.markNotStarted(id, (err as Error).message);
      throw err;
    }
    // The run is also an operation: GET /v1/operations/:id reports its progress like any other.
    return { ...(await this.get(journeyId, id)), operationId: id };
  }

  async get(journeyId: string, runId: string): Promise<SegmentRunView> {
    const row = await this.runs.ofJourney(journeyId, runId);
    if (!row) throw notFound('segment_run_not_found', `Journey "${journeyId}" has no segment run "${runId}"`);
    return toRun(row);
  }

  /** Runs of a journey, newest first. */
  async list(journeyId: string, page: PageRequest<number>): Promise<Page<SegmentRunView>> {
    const rows = await this.runs.pageOfJourney(journeyId, page.after, page.limit + 1);
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
      if (err instanceof TypeError) throw unprocessable('invalid_schedule', `The schedule is not valid: ${err.message}`);
      throw err;
    }
    await this.db.transaction(async (tx) => {
      await this.schedules.insert(
        { id, journeyId, segment: input.segment, spec: timing, batchSize: input.batchSize, ratePerSecond: input.ratePerSecond, createdBy: actor.name },
        tx,
      );
      await this.audit.record(actor, { action: 'segment_schedule.create', entityType: 'segment_schedule', entityId: id, detail: { journeyId, ...req, segment: input.segment, timing } }, tx);
    });
    return this.getSchedule(journeyId, id);
  }

  async getSchedule(journeyId: string, scheduleId: string): Promise<SegmentScheduleView> {
    const row = await this.schedules.ofJourney(journeyId, scheduleId);
    if (!row) throw notFound('segment_schedule_not_found', `Journey "${journeyId}" has no segment schedule "${scheduleId}"`);
    return this.toSchedule(row);
  }

  /** Schedules of a journey, newest first, with their next start times. */
  async listSchedules(journeyId: string, page: PageRequest<number>): Promise<Page<SegmentScheduleView>> {
    const rows = await this.schedules.pageOfJourney(journeyId, page.after, page.limit + 1);
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
      await this.schedules.delete(scheduleId, tx);
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
    const versions = await this.versions.activeTriggerSegments(journeyId);
    if (versions.length === 0) throw notFound('journey_not_active', `Journey "${journeyId}" has no published, active version`);
    const segment = req.segment ?? versions[0].trigger_segment;
    if (!segment) {
      throw unprocessable('segment_required', `Journey "${journeyId}" has no segment trigger: name the segment to enroll in "segment"`);
    }
    if (!(await this.segments.exists(segment))) throw unprocessable('segment_not_found', `No segment with key "${segment}"`);
    return { journeyId, segment, batchSize: req.batchSize, ratePerSecond: req.ratePerSecond, scheduleId, defaults: this.options.defaults };
  }
}
