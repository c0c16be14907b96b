/**
 * Support's view of one customer: profile and consent, then every enrollment as a timeline of steps,
 * decisions (with the values they used) and messages (with status, delivery report and the reason of
 * a suppression); a live run can be exited from here.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../api/client';
import type { CustomerHistory, HistoryEnrollment, HistoryMessage, HistoryStep } from '../api/types';
import { href } from '../route';
import { useSession } from '../session';
import { Empty, ErrorNote, Loading, when } from './common';

const LIVE = new Set(['pending', 'active']);

/** A reason code in words, for the suppressions and errors support reads most. */
export const REASONS: Record<string, string> = {
  no_consent: 'not sent: the customer opted out of this channel (consent)',
  frequency_cap: 'not sent: the frequency cap for marketing touches was reached',
  quiet_hours: 'held until the quiet hours ended',
};

export function CustomerView({ customerId }: { customerId: string | undefined }) {
  const [typed, setTyped] = useState(customerId ?? '');
  return (
    <section>
      <form
        className="je-toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed.trim()) window.location.hash = href(['customers', typed.trim()]);
        }}
      >
        <h1>Customer</h1>
        <input aria-label="Customer id" placeholder="customer id" value={typed} onChange={(e) => setTyped(e.target.value)} />
        <button type="submit">Find</button>
      </form>
      {customerId ? <History customerId={customerId} /> : <Empty>Type a customer id to read what happened to them and why.</Empty>}
    </section>
  );
}

function History({ customerId }: { customerId: string }) {
  const history = useQuery({
    queryKey: ['history', customerId],
    refetchInterval: 5_000,
    queryFn: (): Promise<CustomerHistory> => ok(api.GET('/v1/customers/{customerId}/history', { params: { path: { customerId }, query: { limit: 50 } } })),
  });
  if (history.isPending) return <Loading what={`customer ${customerId}`} />;
  if (history.isError) return <ErrorNote error={history.error} action="Check the id: customers become known with their first event or profile update." />;
  const h = history.data;
  const consent = (h.traits.consent ?? {}) as Record<string, unknown>;
  const { consent: _, ...traits } = h.traits;
  return (
    <>
      <div className="je-profile">
        <h2>{customerId}</h2>
        <div>
          <h3>Profile</h3>
          <dl>
            {Object.entries(traits).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
              </div>
            ))}
          </dl>
        </div>
        <div>
          <h3>Consent</h3>
          {Object.keys(consent).length === 0 ? (
            <p className="je-dim">No channel opted out.</p>
          ) : (
            <dl>
              {Object.entries(consent).map(([channel, given]) => (
                <div key={channel}>
                  <dt>{channel}</dt>
                  <dd>{given === false ? 'opted out' : String(given)}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
      </div>
      {h.enrollments.length === 0 && <Empty>This customer has not entered any journey.</Empty>}
      {h.enrollments.map((e) => (
        <Enrollment key={e.enrollmentId} customerId={customerId} enrollment={e} />
      ))}
    </>
  );
}

type Entry = { at: string; kind: 'step'; step: HistoryStep } | { at: string; kind: 'message'; message: HistoryMessage };

function Enrollment({ customerId, enrollment: e }: { customerId: string; enrollment: HistoryEnrollment }) {
  const session = useSession();
  const entries: Entry[] = [
    ...e.steps.map((step) => ({ at: step.at, kind: 'step' as const, step })),
    ...e.messages.map((message) => ({ at: message.createdAt, kind: 'message' as const, message })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <article className="je-enrollment" data-enrollment={e.enrollmentId}>
      <header>
        <h3>
          <a href={href(['journeys', e.journeyId])}>{e.journeyId}</a> <span className={`je-state state-${e.status}`}>{e.status}</span>
        </h3>
        <span className="je-dim">
          entered {when(e.enrolledAt)}
          {e.endedAt ? ` · ended ${when(e.endedAt)}${e.exitReason ? ` (${e.exitReason})` : ''}` : ''}
          {e.currentNode && LIVE.has(e.status) ? ` · now at ${e.currentNode}` : ''}
          {e.waitingUntil && LIVE.has(e.status) ? ` until ${when(e.waitingUntil)}` : ''}
        </span>
        {LIVE.has(e.status) && session.may('POST /v1/enrollments/{enrollmentId}/exit') && <ExitButton customerId={customerId} enrollmentId={e.enrollmentId} />}
      </header>
      <ol className="je-timeline">
        {entries.map((entry, i) =>
          entry.kind === 'step' ? (
            <li key={`s${i}`} className={`step kind-${entry.step.kind}`}>
              <time>{when(entry.at)}</time> <b>{entry.step.nodeId ?? '—'}</b> <span className="je-kind">{entry.step.kind.replace(/_/g, ' ')}</span>
              <Detail detail={entry.step.detail} />
            </li>
          ) : (
            <li key={`m${i}`} className={`message status-${entry.message.status}`} data-testid="message">
              <time>{when(entry.at)}</time> <b>{entry.message.nodeId}</b> <span className="je-kind">{entry.message.action}</span> <span className={`je-state state-${entry.message.status}`}>{entry.message.status}</span>
              {entry.message.errorCode && (
                <span className="je-reason" data-testid="reason">
                  {' '}
                  {REASONS[entry.message.errorCode] ?? entry.message.errorCode}
                  {entry.message.errorMessage ? ` — ${entry.message.errorMessage}` : ''}
                </span>
              )}
              {entry.message.deliveryStatus && (
                <span className="je-dim">
                  {' '}
                  · delivery: {entry.message.deliveryStatus}
                  {entry.message.deliveryErrorCode ? ` (${entry.message.deliveryErrorCode})` : ''}
                </span>
              )}
              {entry.message.provider && <span className="je-dim"> · via {entry.message.provider}</span>}
            </li>
          ),
        )}
      </ol>
    </article>
  );
}

/** A step's detail (the values a decision used, the event that matched, ...) as name = value pairs. */
function Detail({ detail }: { detail: Record<string, unknown> }) {
  const pairs = Object.entries(detail ?? {});
  if (pairs.length === 0) return null;
  return (
    <span className="je-detail">
      {pairs.map(([k, v]) => (
        <code key={k}>
          {k}={typeof v === 'string' ? v : JSON.stringify(v)}
        </code>
      ))}
    </span>
  );
}

function ExitButton({ customerId, enrollmentId }: { customerId: string; enrollmentId: string }) {
  const queries = useQueryClient();
  const exit = useMutation({
    mutationFn: (reason: string) => ok(api.POST('/v1/enrollments/{enrollmentId}/exit', { params: { path: { enrollmentId } }, body: { reason } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['history', customerId] }),
  });
  return (
    <>
      <button
        type="button"
        disabled={exit.isPending || exit.isSuccess}
        onClick={() => {
          const reason = window.prompt('Why does this customer leave the journey? (recorded as the exit reason)', 'support_request');
          if (reason) exit.mutate(reason);
        }}
      >
        {exit.isSuccess ? 'Exit requested' : 'Exit from this journey'}
      </button>
      {exit.isError && <ErrorNote error={exit.error} />}
    </>
  );
}
