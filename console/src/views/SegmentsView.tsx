/**
 * Segments: the list; one segment's rule (JSON, checked by the API), its live count and a sample of
 * members, and "why / why not" for one customer (the conditions that kept them out).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../api/client';
import type { Membership } from '../api/types';
import { JsonField } from '../forms/SchemaForm';
import { href } from '../route';
import { useSession } from '../session';
import { Empty, ErrorNote, Loading } from './common';

export function SegmentsView({ segmentKey }: { segmentKey: string | undefined }) {
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => ok(api.GET('/v1/segments', { params: { query: { limit: 200 } } })) });
  return (
    <section className="je-split">
      <nav className="je-list" aria-label="segments">
        <h1>Segments</h1>
        {segments.isPending && <Loading what="segments" />}
        {segments.isError && <ErrorNote error={segments.error} />}
        {segments.data?.items.length === 0 && <Empty>No segment yet: POST one to /v1/segments (docs/segments.md).</Empty>}
        <ul>
          {segments.data?.items.map((s) => (
            <li key={s.key}>
              <a href={href(['segments', s.key!])} className={s.key === segmentKey ? 'active' : ''}>
                {s.name}
              </a>
              <div className="je-dim">{s.key}</div>
            </li>
          ))}
        </ul>
      </nav>
      {segmentKey ? <Segment key={segmentKey} segmentKey={segmentKey} /> : <Empty>Pick a segment to see its rule, how many customers are in it now, and why a customer is in or out.</Empty>}
    </section>
  );
}

function Segment({ segmentKey }: { segmentKey: string }) {
  const session = useSession();
  const queries = useQueryClient();
  const segment = useQuery({ queryKey: ['segment', segmentKey], queryFn: () => ok(api.GET('/v1/segments/{key}', { params: { path: { key: segmentKey } } })) });
  const [rule, setRule] = useState<Record<string, unknown>>();
  const current = rule ?? segment.data?.rule;
  const preview = useQuery({
    queryKey: ['segment-preview', JSON.stringify(current)],
    enabled: current !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => ok(api.POST('/v1/segments/preview', { body: { rule: current!, sample: 10 } })),
  });
  const save = useMutation({
    mutationFn: () => ok(api.PUT('/v1/segments/{key}', { params: { path: { key: segmentKey } }, body: { name: segment.data!.name!, rule: current! } })),
    onSuccess: async () => {
      setRule(undefined);
      await queries.invalidateQueries({ queryKey: ['segment', segmentKey] });
    },
  });
  if (segment.isPending) return <Loading what={`segment ${segmentKey}`} />;
  if (segment.isError) return <ErrorNote error={segment.error} />;
  return (
    <div className="je-detail-pane">
      <h2>{segment.data.name}</h2>
      <h3>Rule</h3>
      <JsonField label="segment rule" className="je-rule" rows={10} value={current} onChange={(v) => setRule(v as Record<string, unknown>)} readOnly={!session.may('PUT /v1/segments/{key}')} />
      {session.may('PUT /v1/segments/{key}') && (
        <button type="button" disabled={rule === undefined || save.isPending || preview.isError} onClick={() => save.mutate()}>
          Save the rule
        </button>
      )}
      {save.isError && <ErrorNote error={save.error} />}
      <h3>In the segment now</h3>
      {preview.isError && <ErrorNote error={preview.error} action="Fix the rule: each problem names its JSON path." />}
      {preview.data && (
        <>
          <p data-testid="segment-count">
            <b>{preview.data.count}</b> customers{rule !== undefined ? ' (with your unsaved rule)' : ''}
          </p>
          <ul>
            {(preview.data.sample ?? []).map((m) => (
              <li key={m.customerId}>
                <a href={href(['customers', m.customerId!])}>{m.customerId}</a>
              </li>
            ))}
          </ul>
        </>
      )}
      <WhyOrWhyNot segmentKey={segmentKey} unsaved={rule !== undefined} />
    </div>
  );
}

/** Explains the saved rule (the API's membership answer); `unsaved` says the rule on screen differs from it. */
function WhyOrWhyNot({ segmentKey, unsaved }: { segmentKey: string; unsaved: boolean }) {
  const [customerId, setCustomerId] = useState('');
  const [asked, setAsked] = useState<string>();
  const answer = useQuery({
    queryKey: ['membership', segmentKey, asked],
    enabled: asked !== undefined,
    queryFn: async () => (await ok(api.GET('/v1/segments/{key}/members/{customerId}', { params: { path: { key: segmentKey, customerId: asked! } } }))) as Membership,
  });
  return (
    <section>
      <h3>Why / why not</h3>
      <form
        className="je-inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (customerId.trim()) setAsked(customerId.trim());
        }}
      >
        <input aria-label="Customer id to explain" placeholder="customer id" value={customerId} onChange={(e) => setCustomerId(e.target.value)} />
        <button type="submit">Explain</button>
      </form>
      {answer.isError && <ErrorNote error={answer.error} />}
      {answer.data && (
        <div data-testid="membership">
          <p>
            <b>{asked}</b> is {answer.data.member ? 'in' : 'not in'} the segment.{unsaved ? ' (By the saved rule: save your edits to explain them.)' : ''}
          </p>
          {answer.data.failed.length > 0 && (
            <ul>
              {answer.data.failed.map((f) => (
                <li key={f.path} data-testid="why-not">
                  {f.howClose ?? f.reason} <code title={`${f.kind} at ${f.path}: ${f.reason}`}>{f.path}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
