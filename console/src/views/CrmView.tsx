/** The CRM work list of account managers: open tasks (or claimed, completed), claim one, complete it with an outcome. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../api/client';
import type { CrmTask } from '../api/types';
import { href } from '../route';
import { useSession } from '../session';
import { Empty, ErrorNote, Loading, when } from './common';

const STATUSES = ['open', 'claimed', 'completed', 'cancelled'] as const;

export function CrmView() {
  const session = useSession();
  const queries = useQueryClient();
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('open');
  const [mine, setMine] = useState(false);
  const tasks = useQuery({
    queryKey: ['crm-tasks', status, mine],
    enabled: session.may('GET /v1/crm/tasks'),
    queryFn: async () =>
      (await ok(api.GET('/v1/crm/tasks', { params: { query: { status, limit: 100, ...(mine ? { assignee: session.name } : {}) } } }))),
  });
  const act = useMutation({
    mutationFn: async ({ task, action, outcome }: { task: CrmTask; action: 'claim' | 'complete'; outcome?: string }) => {
      const path = { params: { path: { id: task.id } } };
      if (action === 'claim') return ok(api.POST('/v1/crm/tasks/{id}/claim', { ...path, body: { by: session.name } }));
      return ok(api.POST('/v1/crm/tasks/{id}/complete', { ...path, body: { by: session.name, ...(outcome ? { outcome } : {}) } }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: ['crm-tasks'] }),
  });
  if (!session.may('GET /v1/crm/tasks')) return <ErrorNote error={new Error(`Your role (${session.role}) has no CRM work list.`)} />;
  const canAct = session.may('POST /v1/crm/tasks/{id}/claim');
  return (
    <section>
      <div className="je-toolbar">
        <h1>CRM work list</h1>
        <label>
          Status{' '}
          <select aria-label="Task status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> assigned to me ({session.name})
        </label>
      </div>
      {act.isError && <ErrorNote error={act.error} />}
      {tasks.isPending && <Loading what="the tasks" />}
      {tasks.isError && <ErrorNote error={tasks.error} />}
      {tasks.data && tasks.data.items.length === 0 && <Empty>No {status} task{mine ? ' assigned to you' : ''}: journeys create them at their CRM task steps.</Empty>}
      {tasks.data && tasks.data.items.length > 0 && (
        <table className="je-table" data-testid="crm-tasks">
          <thead>
            <tr>
              <th>Task</th>
              <th>Customer</th>
              <th>Journey</th>
              <th>Due</th>
              <th>Who</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tasks.data.items.map((t) => (
              <tr key={t.id} data-task={t.id}>
                <td>
                  {t.title}
                  {t.details && <div className="je-dim">{t.details}</div>}
                </td>
                <td>
                  <a href={href(['customers', t.customerId])}>{t.customerId}</a>
                </td>
                <td>
                  <a href={href(['journeys', t.journeyId])}>{t.journeyId}</a> <span className="je-dim">{t.nodeId}</span>
                </td>
                <td>{when(t.dueAt)}</td>
                <td>{t.claimedBy ?? t.assignee ?? t.queue ?? '—'}</td>
                <td>
                  <span className={`je-state state-${t.status}`}>{t.status}</span>
                  {t.outcome && <div className="je-dim">{t.outcome}</div>}
                </td>
                <td>
                  {canAct && t.status === 'open' && (
                    <button type="button" disabled={act.isPending} onClick={() => act.mutate({ task: t, action: 'claim' })}>
                      Claim
                    </button>
                  )}
                  {canAct && (t.status === 'open' || t.status === 'claimed') && <CompleteTask onComplete={(outcome) => act.mutate({ task: t, action: 'complete', outcome })} busy={act.isPending} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CompleteTask({ onComplete, busy }: { onComplete(outcome: string): void; busy: boolean }) {
  const [outcome, setOutcome] = useState('');
  return (
    <form
      className="je-inline"
      onSubmit={(e) => {
        e.preventDefault();
        onComplete(outcome.trim());
      }}
    >
      <input aria-label="Outcome" placeholder="outcome, e.g. reached" size={14} value={outcome} onChange={(e) => setOutcome(e.target.value)} />
      <button type="submit" disabled={busy}>
        Complete
      </button>
    </form>
  );
}
