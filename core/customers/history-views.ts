/**
 * How the customer history reads: what a message carried (recipient masked for roles that should not
 * see it in full), what enrolled the customer, and why a journey did not. Pure: the history service
 * fetches rows and hands them here.
 */
import { BUILTIN_ACTIONS } from '../../engine/actions.js';
import { formatDuration } from '../../engine/duration.js';
import type { EnrollmentEntry } from '../../engine/runtime.js';
import type { Role } from '../access/roles.js';
import type { DeliveryReportRow, EnrollmentMessageRow } from '../../store/send-ledger.repository.js';

/** Roles that read recipients in full; every other role reads them masked (docs/api.md#recipient-masking). */
export const FULL_RECIPIENT_ROLES: readonly Role[] = ['admin', 'engineer'];

/**
 * The masking rule: a phone number keeps its leading `+` and its last 4 digits; an e-mail address keeps
 * its first character and its domain; a push token (or any other opaque address) keeps its first 4 and
 * last 4 characters. Internal routing (`queue:...`, `manager:...`) and webhook URLs (host and path only,
 * already stripped of query and fragment) are not personal data and are shown as they are.
 */
export function maskRecipient(recipient: string): string {
  if (/^(queue|manager):/.test(recipient) || /^https?:\/\//.test(recipient)) return recipient;
  if (/^\+?[\d\s-]{5,}$/.test(recipient)) {
    const digits = recipient.replace(/[^\d]/g, '');
    return `${recipient.startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
  }
  const at = recipient.indexOf('@');
  if (at > 0) return `${recipient[0]}***${recipient.slice(at)}`;
  if (recipient.length <= 8) return '*'.repeat(recipient.length);
  return `${recipient.slice(0, 4)}…${recipient.slice(-4)}`;
}

/** Traits that hold personal data: masked by `maskRecipient` for roles outside FULL_RECIPIENT_ROLES. */
export const PERSONAL_TRAITS: readonly string[] = ['phone', 'email', 'push_tokens', 'pushTokens', 'name', 'first_name', 'last_name', 'firstName', 'lastName'];

/** The traits as a reader of `role` sees them: personal ones masked (strings, and strings in arrays) unless the role reads them in full. */
export function maskTraits(traits: Record<string, unknown>, role: Role): { traits: Record<string, unknown>; masked: string[] } {
  if (FULL_RECIPIENT_ROLES.includes(role)) return { traits, masked: [] };
  const masked = PERSONAL_TRAITS.filter((key) => traits[key] !== undefined && traits[key] !== null);
  const maskValue = (v: unknown): unknown => (typeof v === 'string' ? maskRecipient(v) : Array.isArray(v) ? v.map(maskValue) : v);
  return { traits: { ...traits, ...Object.fromEntries(masked.map((key) => [key, maskValue(traits[key])])) }, masked };
}

/** One delivery report as support reads it. */
export interface DeliveryReportView {
  status: string;
  /** The provider's error code, when the report carried one. */
  errorCode: string | null;
  /** The status, and the code when there is one, in plain words. */
  explanation: string;
  receivedAt: Date;
}

/** One message of an enrollment, as support reads it. */
export interface MessageView
  extends Pick<
    EnrollmentMessageRow,
    'nodeId' | 'status' | 'provider' | 'providerMessageId' | 'errorCode' | 'errorMessage' | 'deliveryStatus' | 'deliveryErrorCode' | 'createdAt'
  > {
  /** The channel (the action name: sms, push, crm_task, ...). */
  channel: string;
  /** The same as `channel`; kept for clients written before it. */
  action: string;
  /** Who it went to; masked unless the reader's role is in FULL_RECIPIENT_ROLES; null before a send. */
  recipient: string | null;
  recipientMasked: boolean;
  /** What was sent, as rendered: the SMS `body`, the push `title` and `body`, the CRM task `title` and `details`. */
  content: Record<string, unknown>;
  /** The journey version whose node held the template (templates are versioned with their journey). */
  templateVersion: string;
  /** Every delivery report in the order it arrived (callbacks can arrive out of order). */
  deliveryReports: DeliveryReportView[];
}

/** The message row with its reports, for a reader of `role`. */
export function messageView(row: EnrollmentMessageRow, reports: DeliveryReportRow[], role: Role): MessageView {
  const masked = row.recipient !== null && !FULL_RECIPIENT_ROLES.includes(role);
  const templateParams = BUILTIN_ACTIONS[row.action]?.templateParams ?? [];
  return {
    nodeId: row.nodeId,
    channel: row.action,
    action: row.action,
    status: row.status,
    recipient: row.recipient === null ? null : masked ? maskRecipient(row.recipient) : row.recipient,
    recipientMasked: masked,
    content: Object.fromEntries(templateParams.filter((p) => p in row.request).map((p) => [p, row.request[p]])),
    templateVersion: row.versionId,
    provider: row.provider,
    providerMessageId: row.providerMessageId,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    deliveryStatus: row.deliveryStatus,
    deliveryErrorCode: row.deliveryErrorCode,
    deliveryReports: reports.map(({ messageId: _, ...r }) => r),
    createdAt: row.createdAt,
  };
}

/** What enrolled the customer, named so support can find it. */
export type EntryExplanation =
  | { kind: 'event'; eventId: string; eventName: string; eventTime: string; text: string }
  | { kind: 'segment'; segment: string; segmentRun: string | null; text: string }
  | { kind: 'api'; keyName: string | null; idempotencyKey: string | null; text: string };

/** The entry explanation of a run from its stored entry and trigger key. */
export function explainEntry(entry: EnrollmentEntry, triggerKey: string | null): EntryExplanation {
  if (entry.kind === 'event' && entry.event) {
    const eventTime = new Date(entry.event.eventTime).toISOString();
    const { eventId, name } = entry.event;
    return { kind: 'event', eventId, eventName: name, eventTime, text: `Entered on event "${name}" (id ${eventId}) at ${eventTime}` };
  }
  if (entry.kind === 'segment') {
    const segment = entry.segment ?? '';
    const segmentRun = entry.segmentRun ?? null;
    const how = segmentRun ? `segment run ${segmentRun}` : 'a profile or event change that put them in it';
    return { kind: 'segment', segment, segmentRun, text: `Entered segment "${segment}" through ${how}` };
  }
  const keyName = entry.requestedBy ?? null;
  const idempotencyKey = triggerKey?.startsWith('api:') ? triggerKey.slice(4) : null;
  const by = keyName ? ` by API key "${keyName}"` : '';
  const key = idempotencyKey ? ` with idempotency key "${idempotencyKey}"` : '';
  return { kind: 'api', keyName, idempotencyKey, text: `Enrolled through the API${by}${key}` };
}

/** Facts a refusal's rule is explained with. */
export interface RefusalFacts {
  /** The run that stood in the way. */
  enrollmentId?: string;
  /** For `cooldown`: the cooldown and when the last run ended (epoch ms). */
  cooldownMs?: number;
  lastEndedAt?: number;
  /** For an inactive journey: its status (paused, stopped, ...). */
  journeyStatus?: string;
  /** For `global_holdout`: the configured percent. */
  holdoutPercent?: number;
  /** For `entry_limit`: the journey's limit. */
  entryLimit?: number;
}

/** The reason code and the rule in plain words of an enrollment a journey refused. */
export function refusalRule(reason: 'already_enrolled' | 'reentry_not_allowed' | 'cooldown' | 'journey_inactive' | 'global_holdout' | 'entry_limit', f: RefusalFacts): { reason: string; rule: string } {
  switch (reason) {
    case 'already_enrolled':
      return { reason, rule: `one live run per customer: run ${f.enrollmentId} is still in the journey` };
    case 'reentry_not_allowed':
      return { reason, rule: `re-entry policy "once": the customer already went through the journey (run ${f.enrollmentId})` };
    case 'cooldown': {
      const until = new Date((f.lastEndedAt ?? 0) + (f.cooldownMs ?? 0)).toISOString();
      const ended = new Date(f.lastEndedAt ?? 0).toISOString();
      return { reason, rule: `re-entry cooldown of ${formatDuration(f.cooldownMs ?? 0)}: run ${f.enrollmentId} ended at ${ended}; entry allowed again from ${until}` };
    }
    case 'entry_limit':
      return { reason, rule: `entry limit of ${f.entryLimit}: the journey has admitted ${f.entryLimit} customers (settings.entryLimit), all versions together` };
    case 'global_holdout':
      return {
        reason,
        rule: `global holdout: the customer is among the ${f.holdoutPercent}% held out of every journey with a marketing action (JE_GLOBAL_HOLDOUT_PERCENT), to measure what the journeys add`,
      };
    case 'journey_inactive':
      if (f.journeyStatus === 'paused' || f.journeyStatus === 'stopped') {
        return { reason: `journey_${f.journeyStatus}`, rule: `the journey is ${f.journeyStatus}: it admits no new customers` };
      }
      return { reason, rule: 'the version the trigger matched no longer admits customers (a newer version was published or the journey was closed)' };
  }
}
