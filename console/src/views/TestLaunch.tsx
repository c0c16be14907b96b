/**
 * Test before launch, from the canvas: simulate one customer (made-up traits or a real customer id,
 * a script of events, a start and a horizon) and see the path lit up on the graph and as a timeline
 * in virtual time; or backtest the draft or version over the stored customers of a past window and
 * watch its progress and per-node figures beside the live ones. Nothing is sent or enrolled.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { SimulationResult, TimelineEntry } from '../../../engine/simulation/simulate';
import { api, ok } from '../api/client';
import type { operations } from '../api/generated/schema';
import { trailOf, type Overlay, type TestFigure } from '../graph/mapping';
import { useEscape } from '../keyboard';
import { useSession } from '../session';
import { ErrorNote, when } from './common';

/** Where the test runs: the draft or a published version. */
export type TestSource = 'draft' | { version: number };

/** What the test lays over the canvas. */
export type TestOverlay = Pick<Overlay, 'trail' | 'test'>;

type SimulateBody = operations['SimulationController_simulate']['requestBody']['content']['application/json'];
/** The simulate answer: its OpenAPI entry names only journeyId and status, so the engine's own result type says the rest. */
type Simulation = SimulationResult & { journeyId: string; source: string; customerId: string };
type Backtest = operations['BacktestsController_view']['responses'][200]['content']['application/json'];
type BacktestBody = operations['BacktestsController_start']['requestBody']['content']['application/json'];

const sum = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((s, n) => s + n, 0);

/** How often a running backtest is asked for its progress. */
const POLL_MS = 1_000;

/** Parses a JSON text box; a bad text names the box. */
export function parseBox<T>(label: string, text: string, fallback: T): T {
  if (!text.trim()) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${label} is not valid JSON: ${(err as Error).message}`);
  }
}

/** `datetime-local` text (the browser's zone) as an ISO instant; empty stays undefined. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);
/** An instant as `datetime-local` text in the browser's zone. */
const localText = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

export function TestLaunch({ journeyId, source, canvas, onOverlay, onClose }: {
  journeyId: string;
  source: TestSource;
  canvas: Record<string, unknown>;
  onOverlay(overlay: TestOverlay): void;
  onClose(): void;
}) {
  const session = useSession();
  const canSimulate = session.may('POST /v1/journeys/{journeyId}/simulate');
  const canBacktest = session.may('POST /v1/journeys/{journeyId}/backtests');
  const [tab, setTab] = useState<'simulate' | 'backtest'>(canSimulate ? 'simulate' : 'backtest');
  useEscape(true, onClose);
  const name = source === 'draft' ? 'the draft' : `v${source.version}`;
  return (
    <section className="je-test" aria-label="test before launch">
      <div className="je-tabs" role="tablist">
        {canSimulate && (
          <button role="tab" type="button" aria-selected={tab === 'simulate'} onClick={() => setTab('simulate')}>
            Simulate one customer
          </button>
        )}
        {canBacktest && (
          <button role="tab" type="button" aria-selected={tab === 'backtest'} onClick={() => setTab('backtest')}>
            Backtest
          </button>
        )}
        <span className="je-dim">on {name}: nothing is sent or enrolled</span>
        <button type="button" aria-label="Close the test panel" onClick={onClose}>
          ×
        </button>
      </div>
      {!canSimulate && !canBacktest && <ErrorNote error={new Error(`Your role (${session.role}) may not simulate or backtest journeys.`)} />}
      {tab === 'simulate' && canSimulate && <Simulate journeyId={journeyId} source={source} canvas={canvas} onOverlay={onOverlay} />}
      {tab === 'backtest' && canBacktest && <BacktestPane journeyId={journeyId} source={source} canvas={canvas} onOverlay={onOverlay} />}
    </section>
  );
}

function Simulate({ journeyId, source, canvas, onOverlay }: { journeyId: string; source: TestSource; canvas: Record<string, unknown>; onOverlay(o: TestOverlay): void }) {
  const [who, setWho] = useState<'made-up' | 'real'>('made-up');
  const [traits, setTraits] = useState('{ "first_name": "Mei", "phone": "+8613800000001" }');
  const [customerId, setCustomerId] = useState('');
  const [events, setEvents] = useState('[]');
  const [start, setStart] = useState('');
  const [horizon, setHorizon] = useState('P30D');
  const run = useMutation({
    mutationFn: async (): Promise<Simulation> => {
      const body: SimulateBody = {
        source,
        customer: who === 'real' ? { customerId } : { traits: parseBox('Traits', traits, {}) },
        events: parseBox('Events', events, []),
        horizon,
        ...(start ? { start: instant(start) } : {}),
      };
      return (await ok(api.POST('/v1/journeys/{journeyId}/simulate', { params: { path: { journeyId } }, body }))) as unknown as Simulation;
    },
    onSuccess: (sim) => onOverlay({ trail: trailOf(canvas, sim.path, firstReached(sim.timeline), sim.start) }),
    onError: () => onOverlay({}),
  });
  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate();
        }}
      >
        <fieldset className="je-inline">
          <legend>Customer</legend>
          <label>
            <span>
              <input type="radio" name="who" checked={who === 'made-up'} onChange={() => setWho('made-up')} /> made up
            </span>
          </label>
          <label>
            <span>
              <input type="radio" name="who" checked={who === 'real'} onChange={() => setWho('real')} /> a real customer
            </span>
          </label>
        </fieldset>
        {who === 'made-up' ? (
          <label>
            Traits (JSON; consent as in a profile: &quot;consent&quot;: {'{'} &quot;sms&quot;: false {'}'})
            <textarea aria-label="Traits" value={traits} onChange={(e) => setTraits(e.target.value)} />
          </label>
        ) : (
          <label>
            Customer id
            <input aria-label="Simulated customer id" required value={customerId} onChange={(e) => setCustomerId(e.target.value)} />
          </label>
        )}
        <label>
          Events (JSON: name, at as an instant or a duration after the start)
          <textarea aria-label="Events" placeholder='[{ "name": "opening_page_viewed", "at": "PT1H" }]' value={events} onChange={(e) => setEvents(e.target.value)} />
        </label>
        <label>
          Start (empty: now)
          <input type="datetime-local" aria-label="Start" value={start} onChange={(e) => setStart(e.target.value)} />
        </label>
        <label>
          Horizon
          <input aria-label="Horizon" size={6} value={horizon} onChange={(e) => setHorizon(e.target.value)} />
        </label>
        <button type="submit" disabled={run.isPending}>
          {run.isPending ? 'Simulating…' : 'Run the simulation'}
        </button>
      </form>
      {run.isError && <ErrorNote error={run.error} action="Fix the fields above and run it again." />}
      {run.data && <SimulationAnswer sim={run.data} />}
    </>
  );
}

/** The virtual time each node was first reached. */
function firstReached(timeline: TimelineEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of timeline) if (t.type === 'node') out[t.nodeId] ??= t.at;
  return out;
}

const detailText = (detail: Record<string, unknown>) => (Object.keys(detail).length ? JSON.stringify(detail) : '');

/** One timeline line in words. */
export function describeEntry(t: TimelineEntry): string {
  switch (t.type) {
    case 'enrolled':
      return `enrolled (${t.entry})`;
    case 'event':
      return `event ${t.name} arrives (happened ${when(t.eventTime)})`;
    case 'node':
      return `reaches ${t.label ?? t.nodeId} (${t.kind})`;
    case 'wait':
      return `waits at ${t.nodeId} until ${when(t.until)}`;
    case 'wait_ended':
      return `wait at ${t.nodeId} ends`;
    case 'decision':
      return `${t.nodeId} decides: ${t.port ?? 'no branch'}`;
    case 'message': {
      const text = t.rendered.body ?? t.rendered.title ?? '';
      return `${t.action} ${t.status}${t.recipient ? ` to ${t.recipient}` : ''}${text ? `: "${String(text)}"` : ''}`;
    }
    case 'action':
      return `${t.action} at ${t.nodeId}: ${t.status}`;
    case 'ended':
      return `ends: ${t.status} (${t.reason})`;
  }
}

function SimulationAnswer({ sim }: { sim: Simulation }) {
  const suppressed = sim.messages.filter((m) => m.status !== 'sent').length;
  return (
    <div className="je-test-result" data-testid="simulation">
      <div>
        <p>
          <b data-testid="simulation-status">
            {sim.status === 'horizon' ? `still in the journey at the horizon (at ${sim.position?.nodeId ?? '?'})` : `${sim.status}: ${sim.reason}`}
          </b>
        </p>
        <p className="je-dim">
          {sim.path.length} steps · {sim.messages.length} message(s), {suppressed} held back · {when(sim.start)} → {when(sim.horizon)}
        </p>
      </div>
      <ol className="je-timeline" aria-label="simulated timeline">
        {sim.timeline.map((t, i) => (
          <li key={i} className={t.type === 'message' ? `message status-${t.status}` : t.type} data-testid={t.type === 'message' ? 'sim-message' : undefined}>
            <time>{when(t.at)}</time> {describeEntry(t)}
            {t.type === 'message' && t.reason && (
              <span className="je-reason" data-testid="reason">
                {' '}
                held back: {t.reason.message} ({t.reason.code})
              </span>
            )}
            {(t.type === 'decision' || t.type === 'wait_ended') && detailText(t.detail) && <code className="je-detail"> {detailText(t.detail)}</code>}
          </li>
        ))}
      </ol>
    </div>
  );
}

function BacktestPane({ journeyId, source, canvas, onOverlay }: { journeyId: string; source: TestSource; canvas: Record<string, unknown>; onOverlay(o: TestOverlay): void }) {
  const session = useSession();
  const [from, setFrom] = useState(() => localText(Date.now() - 7 * 86_400_000));
  const [to, setTo] = useState('');
  const [sample, setSample] = useState('');
  const [id, setId] = useState<string>();
  const start = useMutation({
    mutationFn: async () => {
      const body: BacktestBody = { source, from: instant(from)!, to: instant(to) ?? new Date().toISOString(), ...(sample ? { sample: Number(sample) } : {}) };
      return ok(api.POST('/v1/journeys/{journeyId}/backtests', { params: { path: { journeyId } }, body }));
    },
    onSuccess: (b) => setId(b.id),
  });
  const view = useQuery({
    queryKey: ['backtest', journeyId, id],
    enabled: id !== undefined,
    refetchInterval: (q) => (q.state.data?.status === 'running' ? POLL_MS : false),
    queryFn: () => ok(api.GET('/v1/journeys/{journeyId}/backtests/{backtestId}', { params: { path: { journeyId, backtestId: id! } } })),
  });
  const cancel = useMutation({
    mutationFn: () => ok(api.POST('/v1/journeys/{journeyId}/backtests/{backtestId}/cancel', { params: { path: { journeyId, backtestId: id! } } })),
    onSuccess: () => view.refetch(),
  });
  const b = view.data;
  useEffect(() => onOverlay(b ? { test: testFigures(b, canvas) } : {}), [b, canvas, onOverlay]);
  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          start.mutate();
        }}
      >
        <label>
          Entered from
          <input type="datetime-local" aria-label="Backtest from" required value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          to (empty: now)
          <input type="datetime-local" aria-label="Backtest to" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label>
          Sample (empty: everyone)
          <input type="number" min={1} aria-label="Sample" size={6} value={sample} onChange={(e) => setSample(e.target.value)} />
        </label>
        <button type="submit" disabled={start.isPending || b?.status === 'running'}>
          Start the backtest
        </button>
        {b?.status === 'running' && session.may('POST /v1/journeys/{journeyId}/backtests/{backtestId}/cancel') && (
          <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            Cancel
          </button>
        )}
      </form>
      {start.isError && <ErrorNote error={start.error} action="A backtest needs an event trigger and a window in the past." />}
      {view.isError && <ErrorNote error={view.error} />}
      {cancel.isError && <ErrorNote error={cancel.error} />}
      {b && <BacktestAnswer backtest={b} />}
    </>
  );
}

/**
 * Per-node figures of a backtest for every node of the canvas (the trigger's is who entered), with
 * the live runs' of the same window once it has ended (the API adds them then).
 */
export function testFigures(b: Backtest, canvas: Record<string, unknown>): Record<string, TestFigure> {
  const live = b.live ?? null;
  const nodes = Array.isArray(canvas.nodes) ? (canvas.nodes as { id?: unknown; type?: unknown }[]) : [];
  return Object.fromEntries(
    nodes
      .filter((n) => typeof n.id === 'string')
      .map((n) => {
        const id = n.id as string;
        if (n.type === 'trigger') return [id, { simulated: b.figures?.entered ?? 0, live: live ? (live.entered ?? 0) : null }];
        return [id, { simulated: b.figures?.nodes?.[id] ?? 0, live: live ? (live.nodes?.[id] ?? 0) : null }];
      }),
  );
}

function BacktestAnswer({ backtest: b }: { backtest: Backtest }) {
  const processed = b.progress?.processed ?? 0;
  const total = b.progress?.total ?? null;
  const live = b.live ?? null;
  const f = b.figures;
  const held = Object.entries(f?.suppressions ?? {});
  return (
    <div className="je-test-result" data-testid="backtest">
      <div>
        <p>
          <span className={`je-state state-${b.status}`} data-testid="backtest-status">
            {b.status}
          </span>{' '}
          {b.source} · entries {when(b.window?.from)} – {when(b.window?.to)}
        </p>
        <p>
          <progress className="je-progress" max={total ?? undefined} value={processed} aria-label="backtest progress" /> {processed} of {total ?? '?'} customers
        </p>
        {b.error && <ErrorNote error={new Error(b.error)} />}
        {held.length > 0 && <p className="je-dim">held back: {held.map(([reason, n]) => `${reason} ${n}`).join(', ')}</p>}
      </div>
      {f && (
        <table className="je-compare-table" data-testid="backtest-figures">
          <thead>
            <tr>
              <th />
              <th>backtest</th>
              <th>live, same window</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>entered</td>
              <td data-testid="backtest-entered">{f.entered ?? 0}</td>
              <td>{live ? (live.entered ?? 0) : b.status === 'running' ? 'when it ends' : '—'}</td>
            </tr>
            <tr>
              <td>reached the goal</td>
              <td>{f.goal?.reached ?? 0}</td>
              <td>—</td>
            </tr>
            {[...new Set([...Object.keys(f.ended ?? {}), ...Object.keys(live?.ended ?? {})])].map((status) => (
              <tr key={status}>
                <td>{status === 'horizon' ? 'still in at the horizon' : status}</td>
                <td>{sum(f.ended?.[status])}</td>
                <td>{live ? sum(live.ended?.[status]) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
