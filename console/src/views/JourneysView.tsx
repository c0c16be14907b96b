/** Every journey with its state, active version, entries (today / 7 days), conversion and who waits now. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, ok } from '../api/client';
import type { JourneySummary, JourneyView } from '../api/types';
import { href } from '../route';
import { useSession } from '../session';
import { Empty, ErrorNote, Loading } from './common';

const STATUSES = ['draft', 'active', 'paused', 'stopped', 'archived'] as const;
type Status = (typeof STATUSES)[number];

/** The examples/ canvases, offered as starting points. */
const EXAMPLES = Object.entries(import.meta.glob<{ default: Record<string, unknown> }>('../../../examples/*.json', { eager: true })).map(([file, mod]) => ({
  id: file.replace(/^.*\//, '').replace(/\.json$/, ''),
  canvas: mod.default,
}));

const DAY_MS = 86_400_000;
/** A UTC calendar day, YYYY-MM-DD. */
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** The calendar day (YYYY-MM-DD) of `d` in `zone`. */
const dayIn = (d: Date, zone: string) => d.toLocaleDateString('en-CA', { timeZone: zone });

export function JourneysView() {
  const session = useSession();
  const [status, setStatus] = useState<Status | ''>('');
  const [search, setSearch] = useState('');
  const journeys = useQuery({
    queryKey: ['journeys', status],
    queryFn: () => ok(api.GET('/v1/journeys', { params: { query: { limit: 200, ...(status ? { status } : {}) } } })),
  });
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (journeys.data?.items ?? []).filter((j) => !needle || `${j.id} ${j.name}`.toLowerCase().includes(needle));
  }, [journeys.data, search]);
  return (
    <section>
      <div className="je-toolbar">
        <h1>Journeys</h1>
        <input type="search" aria-label="Search journeys" placeholder="Search by id or name" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Filter by state" value={status} onChange={(e) => setStatus(e.target.value as Status | '')}>
          <option value="">every state</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {session.may('POST /v1/journeys') && <CreateFromExample />}
      </div>
      {journeys.isPending && <Loading what="journeys" />}
      {journeys.isError && <ErrorNote error={journeys.error} />}
      {journeys.data && shown.length === 0 && (
        <Empty>{journeys.data.items.length === 0 ? 'No journey yet: create one from an example, or PUT a canvas to /v1/journeys/{id}/publish.' : 'No journey matches: clear the search or the state filter.'}</Empty>
      )}
      {shown.length > 0 && (
        <table className="je-table" aria-label="journeys">
          <thead>
            <tr>
              <th>Journey</th>
              <th>State</th>
              <th>Active version</th>
              <th>Entered today</th>
              <th>Entered 7 days</th>
              <th>Conversion</th>
              <th>Waiting now</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((j) => (
              <JourneyRow key={j.id} journey={j} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function JourneyRow({ journey }: { journey: JourneySummary }) {
  const live = journey.activeVersion !== null && journey.activeVersion !== undefined;
  const today = new Date();
  const stats = useQuery({
    queryKey: ['stats-7d', journey.id],
    enabled: live,
    refetchInterval: 10_000,
    // Nine UTC days around now cover the last seven local days in any zone; the journey's own zone
    // (the answer's window.timeZone, where stats draw their day lines) then picks today and the week.
    queryFn: () => {
      const query = { from: isoDay(new Date(today.getTime() - 7 * DAY_MS)), to: isoDay(new Date(today.getTime() + DAY_MS)) };
      return ok(api.GET('/v1/journeys/{journeyId}/stats', { params: { path: { journeyId: journey.id! }, query } }));
    },
  });
  const zone = stats.data?.window?.timeZone ?? 'UTC';
  const todayThere = dayIn(today, zone);
  const weekStart = dayIn(new Date(today.getTime() - 6 * DAY_MS), zone);
  const series = (stats.data?.series ?? []).filter((d) => d.date! >= weekStart && d.date! <= todayThere);
  const week = series.reduce((sum, d) => sum + (d.entered ?? 0), 0);
  const enteredToday = series.find((d) => d.date === todayThere)?.entered ?? 0;
  const rate = stats.data?.totals?.conversionRate;
  return (
    <tr data-journey={journey.id}>
      <td>
        <a href={href(['journeys', journey.id!])}>{journey.name}</a>
        <div className="je-dim">{journey.id}</div>
      </td>
      <td>
        <span className={`je-state state-${journey.status}`}>{journey.status}</span>
      </td>
      <td>{live ? `v${journey.activeVersion}` : '—'}</td>
      <td>{stats.data ? enteredToday : '—'}</td>
      <td>{stats.data ? week : '—'}</td>
      <td>{rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`}</td>
      <td>{stats.data ? (stats.data.totals?.waiting ?? 0) : '—'}</td>
    </tr>
  );
}

function CreateFromExample() {
  const queries = useQueryClient();
  const [example, setExample] = useState(EXAMPLES[0]?.id ?? '');
  const [id, setId] = useState('');
  const create = useMutation({
    mutationFn: async () => {
      const chosen = EXAMPLES.find((e) => e.id === example)!;
      return (await ok(api.POST('/v1/journeys', { body: { id: id.trim() || chosen.id, canvas: chosen.canvas } }))) as unknown as JourneyView;
    },
    onSuccess: async (view) => {
      await queries.invalidateQueries({ queryKey: ['journeys'] });
      window.location.hash = href(['journeys', view.id, 'edit']);
    },
  });
  return (
    <form
      className="je-inline"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <select aria-label="Example" value={example} onChange={(e) => setExample(e.target.value)}>
        {EXAMPLES.map((e) => (
          <option key={e.id} value={e.id}>
            {e.id}
          </option>
        ))}
      </select>
      <input aria-label="New journey id" placeholder={`id (default ${example})`} value={id} onChange={(e) => setId(e.target.value)} />
      <button type="submit" disabled={create.isPending}>
        Create draft from example
      </button>
      {create.isError && <ErrorNote error={create.error} />}
    </form>
  );
}
