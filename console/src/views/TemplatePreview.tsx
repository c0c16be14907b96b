/**
 * An action's templates rendered for a sample customer: their stored traits (or traits typed here),
 * through the engine's own renderer (engine/action-render.ts, the one the send ledger and the
 * simulation use), so the preview reads as the message would. Its own chunk: liquidjs comes with it.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { renderActionParams } from '../../../engine/action-render';
import { BUILTIN_ACTIONS } from '../../../engine/actions';
import { api, ok } from '../api/client';
import { useSession } from '../session';
import { ErrorNote } from './common';

/** The action's template params rendered, or the template's error in words. */
export function previewAction(node: Record<string, unknown>, customerId: string, traits: Record<string, unknown>, journey: { id: string; name: string }): { ok: true; rendered: Record<string, unknown> } | { ok: false; error: string } {
  const spec = BUILTIN_ACTIONS[String(node.action)];
  const params = (node.params ?? {}) as Record<string, unknown>;
  try {
    const rendered = renderActionParams(params, spec?.templateParams ?? [], { customerId, traits, entry: {}, journey: { ...journey, versionId: `${journey.id}@draft` } });
    return { ok: true, rendered: Object.fromEntries((spec?.templateParams ?? []).filter((p) => typeof rendered[p] === 'string').map((p) => [p, rendered[p]])) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export default function TemplatePreview({ node, journey }: { node: Record<string, unknown>; journey: { id: string; name: string } }) {
  const session = useSession();
  const [typed, setTyped] = useState('');
  const [customerId, setCustomerId] = useState<string>();
  const profile = useQuery({
    queryKey: ['preview-traits', customerId],
    enabled: customerId !== undefined && session.may('GET /v1/customers/{customerId}/history'),
    queryFn: () => ok(api.GET('/v1/customers/{customerId}/history', { params: { path: { customerId: customerId! }, query: { limit: 1 } } })),
  });
  const spec = BUILTIN_ACTIONS[String(node.action)];
  if (!spec || spec.templateParams.length === 0) return null;
  const sample = profile.data ? previewAction(node, customerId!, profile.data.traits as Record<string, unknown>, journey) : null;
  return (
    <section className="je-preview" aria-label="template preview">
      <h3>Preview for a customer</h3>
      <form
        className="je-inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed.trim()) setCustomerId(typed.trim());
        }}
      >
        <input aria-label="Preview customer id" placeholder="customer id" value={typed} onChange={(e) => setTyped(e.target.value)} />
        <button type="submit">Preview</button>
      </form>
      {profile.isError && <ErrorNote error={profile.error} />}
      {sample && !sample.ok && <ErrorNote error={new Error(sample.error)} />}
      {sample && sample.ok && (
        <dl className="je-figures" data-testid="template-preview">
          {Object.entries(sample.rendered).map(([param, text]) => (
            <div key={param} style={{ display: 'contents' }}>
              <dt>{param}</dt>
              <dd style={{ fontWeight: 400 }}>{String(text)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
