/**
 * `npm run simulate -- <canvas.json> --customer <file> --events <file> [--start ISO] [--horizon P30D] [--json]`
 *
 * Simulates one customer through a canvas with the engine's simulation (the same state machine and
 * rules as production) and prints the path as a timeline. Pure: no database, no Temporal, nothing sent.
 * The customer file is `{ id?, traits, consent?, segments? }`; the events file an array of
 * `{ name, at, eventTime?, properties? }` (or `{ events: [...] }`). The engine defaults and frequency
 * caps come from JE_DEFAULT_TIME_ZONE, JE_LATE_EVENT_GRACE, JE_MAX_HISTORY_EVENTS and JE_FREQUENCY_CAPS, as in production.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultChannelDescriptors } from '../activities/channels/registry.js';
import { actionSpecsOf } from '../core/channels/descriptor.js';
import { CATALOGUE } from '../config/catalogue.js';
import { compileCanvas } from '../engine/compile.js';
import type { DocumentIssue } from '../engine/errors.js';
import { checkInlineCustomer, checkScript } from '../engine/simulation/script.js';
import { simulate, type SimulationResult, type TimelineEntry } from '../engine/simulation/simulate.js';
import { simulatedChannels } from '../engine/simulation/world.js';

function fail(message: string, issues: DocumentIssue[] = []): never {
  process.stderr.write(`simulate: ${message}\n${issues.map((i) => `  ${i.path}: ${i.message}\n`).join('')}`);
  process.exit(2);
}

function readJson(file: string | undefined, what: string): unknown {
  if (!file) fail(`${what} is required`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

const stamp = (iso: string, start: number) => {
  const ms = Date.parse(iso) - start;
  const d = Math.floor(ms / 86_400_000);
  const h = Math.floor((ms % 86_400_000) / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${iso.slice(0, 16).replace('T', ' ')}Z  +${d}d ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}${s ? `:${String(s).padStart(2, '0')}` : ''}`;
};

/** One timeline entry as a line a marketer reads. */
function line(e: TimelineEntry): string {
  switch (e.type) {
    case 'enrolled':
      return `enrolled (${e.entry})`;
    case 'event':
      return `event ${e.name}${e.eventTime !== e.at ? ` (happened ${e.eventTime})` : ''}`;
    case 'node':
      return `enter ${e.nodeId}${e.label ? ` "${e.label}"` : ''}`;
    case 'wait':
      return `  wait until ${e.until}${e.detail.event ? ` for ${String(e.detail.event)}` : ''}${e.detail.reason === 'quiet_hours' ? ' (quiet hours)' : ''}`;
    case 'wait_ended':
      return `  wait over${e.detail.reason ? ` (${String(e.detail.reason)})` : ''}`;
    case 'decision': {
      const values = e.detail.values && Object.keys(e.detail.values as object).length > 0 ? ` ${JSON.stringify(e.detail.values)}` : '';
      return `  decide -> ${e.port}${values}`;
    }
    case 'message': {
      const text = Object.entries(e.rendered).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}: ${v}`).join(' | ');
      if (e.status === 'sent') return `  SEND ${e.action} to ${e.recipient}: ${text}`;
      return `  ${e.status.toUpperCase()} ${e.action} (${e.reason?.code}: ${e.reason?.message})`;
    }
    case 'action':
      return `  ${e.action}: ${e.status}`;
    case 'ended':
      return `end: ${e.status} (${e.reason})`;
  }
}

export function formatTimeline(result: SimulationResult): string {
  const start = Date.parse(result.start);
  const lines = result.timeline.map((e) => `${stamp(e.at, start)}  ${line(e)}`);
  if (result.status === 'horizon') lines.push(`${stamp(result.horizon, start)}  horizon reached: still at ${result.position?.nodeId} (waiting until ${result.position?.waitingUntil ?? '-'})`);
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { customer: { type: 'string' }, events: { type: 'string' }, start: { type: 'string' }, horizon: { type: 'string' }, entry: { type: 'string' }, json: { type: 'boolean' } },
  });
  const canvas = readJson(positionals[0], 'the canvas file');
  const descriptors = defaultChannelDescriptors();
  const compiled = compileCanvas(canvas, { actions: actionSpecsOf(descriptors) });
  if (!compiled.ok) fail('the canvas does not compile', compiled.errors);
  const customer = checkInlineCustomer(readJson(values.customer, '--customer'), 'customer');
  if (!customer.ok) fail('the customer file is invalid', customer.issues);
  const rawEvents = values.events ? readJson(values.events, '--events') : [];
  const events = Array.isArray(rawEvents) ? rawEvents : (rawEvents as { events?: unknown }).events;
  const script = checkScript({ events, start: values.start, horizon: values.horizon }, Date.now());
  if (!script.ok) fail('the script is invalid', script.issues);
  const result = simulate({
    plan: compiled.plan,
    journeyId: 'cli',
    versionId: 'cli@draft',
    customer: { ...customer.value, events: [] },
    script: script.value.events,
    entry: values.entry ? (readJson(values.entry, '--entry') as Record<string, unknown>) : undefined,
    start: script.value.start,
    horizonMs: script.value.horizonMs,
    channels: simulatedChannels(descriptors),
    policy: { caps: CATALOGUE.frequencyCaps.read(process.env.JE_FREQUENCY_CAPS) ?? {}, sentBefore: [] },
    defaults: {
      timeZone: CATALOGUE.defaultTimeZone.read(process.env.JE_DEFAULT_TIME_ZONE),
      lateEventGraceMs: CATALOGUE.lateEventGraceMs.read(process.env.JE_LATE_EVENT_GRACE),
      maxHistoryEvents: CATALOGUE.maxHistoryEvents.read(process.env.JE_MAX_HISTORY_EVENTS),
    },
  });
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${compiled.plan.name}: ${result.status} (${result.reason})\n${formatTimeline(result)}\n`);
}

main();
