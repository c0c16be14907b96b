/**
 * Journeys as marketing ops author them: created as a draft canvas, read, listed, and edited with
 * optimistic concurrency (each save bumps the draft revision; a stale revision is refused). A draft
 * may be invalid: saving never fails on canvas problems, the answer carries the validation result.
 */
import type { DataSource } from 'typeorm';
import type { DocumentIssue } from '../../engine/errors.js';
import { AuditLog } from '../access/audit-log.js';
import type { Principal } from '../access/roles.js';
import { conflict, type UseCaseError } from '../errors.js';
import { pageOf, type Page, type PageRequest } from '../page.js';
import { allowedActions, transition, type JourneyAction, type JourneyStatus } from './journey-states.js';
import { insertJourney, journeyNotFound, journeysIn, recordJourneyChange, requireJourney, updateDraft, type JourneyRow } from './journey-store.js';
import { VersionsRepository } from '../../store/versions.repository.js';
import type { PublishingService } from './publishing.js';
import { profileNeedsInfo } from '../../engine/actions.js';
import { templateFindings } from '../channels/provider-templates.js';
import { traitTypeIssues } from './trait-type-check.js';

/** What the compiler says about a canvas. */
export interface CanvasValidation {
  valid: boolean;
  issues: DocumentIssue[];
  warnings: DocumentIssue[];
  /** Facts worth knowing that are not problems: the profile data each action needs (`needs_profile_data`), a template SMS's length (`sms_length`). */
  info: DocumentIssue[];
}

/** A journey in lists. */
export interface JourneySummary {
  id: string;
  name: string;
  status: JourneyStatus;
  /** The published version new customers enter while the journey is active; null before the first publish. */
  activeVersion: number | null;
  draftRevision: number;
  createdAt: string;
  updatedAt: string;
}

/** A journey with its draft. */
export interface JourneyView extends JourneySummary {
  draft: {
    revision: number;
    canvas: unknown;
    updatedAt: string | null;
    /** True when the draft differs from (or was saved after) the active version's. */
    unpublishedChanges: boolean;
  };
  validation: CanvasValidation;
  allowedActions: JourneyAction[];
}

const summaryOf = (row: JourneyRow): JourneySummary => ({
  id: row.id,
  name: row.name,
  status: row.status,
  activeVersion: row.active_version,
  draftRevision: row.draft_revision,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** 409 `draft_conflict`: someone saved the draft since the caller read it. */
function draftConflict(journey: JourneyRow, expected: number): UseCaseError {
  return conflict(
    'draft_conflict',
    `The draft of "${journey.id}" is at revision ${journey.draft_revision}, not ${expected}: someone saved it since you read it; reload and reapply your change`,
    { currentRevision: journey.draft_revision },
  );
}

/** Checks an expected draft revision (`If-Match` or `revision`) against the locked journey. */
export function assertRevision(journey: JourneyRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== journey.draft_revision) throw draftConflict(journey, expected);
}

export class DraftsService {
  constructor(
    private readonly db: DataSource,
    private readonly publishing: PublishingService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The compiler's answer plus the checks that need stored data: registered provider templates (and
   * their SMS length, as info) and traits compared with a value of another type (warnings).
   */
  async validate(canvas: unknown): Promise<CanvasValidation> {
    const actions = this.publishing.actionSpecs();
    const result = this.publishing.compile(canvas);
    const templates = await templateFindings(this.db, canvas, actions);
    const info = [...profileNeedsInfo(canvas, actions), ...templates.info];
    if (!result.ok) return { valid: false, issues: result.errors, warnings: [], info };
    if (templates.issues.length > 0) return { valid: false, issues: templates.issues, warnings: [], info };
    return { valid: true, issues: [], warnings: [...result.warnings, ...(await traitTypeIssues(this.db, canvas))], info };
  }

  /** Creates a journey in status `draft`; 409 `journey_exists` when the id is taken. */
  async create(actor: Principal, journeyId: string, canvas: unknown): Promise<JourneyView> {
    const validation = await this.validate(canvas);
    const row = await this.db.transaction(async (tx) => {
      const created = await insertJourney(tx, journeyId, canvas);
      if (!created) throw conflict('journey_exists', `A journey with id "${journeyId}" exists already; update its draft instead`);
      await recordJourneyChange(this.audit, tx, actor, 'journey.create', journeyId, { revision: 1, valid: validation.valid });
      return created;
    });
    return this.viewOf(row, validation);
  }

  /** Replaces the draft (revision + 1) unless `expectedRevision` is stale. */
  async save(actor: Principal, journeyId: string, canvas: unknown, expectedRevision?: number): Promise<JourneyView> {
    const validation = await this.validate(canvas);
    const row = await this.db.transaction(async (tx) => {
      const journey = await requireJourney(tx, journeyId);
      transition(journeyId, journey.status, 'edit_draft');
      assertRevision(journey, expectedRevision);
      const saved = await updateDraft(tx, journey, canvas);
      await recordJourneyChange(this.audit, tx, actor, 'journey.draft.update', journeyId, { revision: saved.draft_revision, valid: validation.valid });
      return saved;
    });
    return this.viewOf(row, validation);
  }

  async get(journeyId: string): Promise<JourneyView> {
    const row = await journeysIn(this.db).byId(journeyId);
    if (!row) throw journeyNotFound(journeyId);
    return this.viewOf(row, await this.validate(row.draft));
  }

  /** Journeys by id, optionally of one status. */
  async list(status: JourneyStatus | undefined, page: PageRequest<string>): Promise<Page<JourneySummary>> {
    const rows = await journeysIn(this.db).pageAfter(status ?? null, page.after, page.limit + 1);
    return pageOf(rows.map(summaryOf), page.limit, (j) => j.id);
  }

  private async viewOf(row: JourneyRow, validation: CanvasValidation): Promise<JourneyView> {
    const activeRevision = row.active_version === null ? undefined : await new VersionsRepository(this.db).draftRevisionOf(row.id, row.active_version);
    return {
      ...summaryOf(row),
      draft: {
        revision: row.draft_revision,
        canvas: row.draft,
        updatedAt: row.draft_updated_at?.toISOString() ?? null,
        unpublishedChanges: activeRevision !== row.draft_revision,
      },
      validation,
      allowedActions: allowedActions(row.status),
    };
  }
}
