/**
 * Four-eyes publishing: the journey's pending publish requests, each with who asked and when, and
 * approve / reject for another key of a role that may (the API refuses the requester's own key).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../api/client';
import type { PublishRequest } from '../api/types';
import { href } from '../route';
import { useSession } from '../session';
import { ErrorNote, when } from './common';

export function PublishRequests({ journeyId }: { journeyId: string }) {
  const session = useSession();
  const queries = useQueryClient();
  const pending = useQuery({
    queryKey: ['publish-requests', journeyId],
    enabled: session.may('GET /v1/journeys/{journeyId}/publish-requests'),
    queryFn: async () =>
      (await ok(api.GET('/v1/journeys/{journeyId}/publish-requests', { params: { path: { journeyId }, query: { status: 'pending' } } }))),
  });
  const decide = useMutation({
    mutationFn: async ({ requestId, decision }: { requestId: string; decision: 'approve' | 'reject' }) => {
      const path = { params: { path: { journeyId, requestId } } };
      return (
        decision === 'approve'
          ? await ok(api.POST('/v1/journeys/{journeyId}/publish-requests/{requestId}/approve', path))
          : await ok(api.POST('/v1/journeys/{journeyId}/publish-requests/{requestId}/reject', { ...path, body: { reason: 'rejected in the console' } }))
      ) as PublishRequest;
    },
    onSuccess: async (answer) => {
      await Promise.all(['publish-requests', 'journey', 'versions'].map((k) => queries.invalidateQueries({ queryKey: [k, journeyId] })));
      if (answer.version) window.location.hash = href(['journeys', journeyId], { version: answer.version });
    },
  });
  const items = pending.data?.items ?? [];
  if (items.length === 0 && !decide.isError) return null;
  const canDecide = session.may('POST /v1/journeys/{journeyId}/publish-requests/{requestId}/approve');
  return (
    <div className="je-notice" data-testid="publish-requests">
      {items.map((r) => (
        <div key={r.requestId} className="je-inline">
          <span>
            Publish of draft revision {r.draftRevision} requested by <b>{r.requestedBy.name}</b> ({r.requestedBy.role}) {when(r.requestedAt)}: waiting for another key&apos;s approval (four-eyes).
          </span>
          {canDecide && (
            <>
              <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ requestId: r.requestId, decision: 'approve' })}>
                Approve and publish
              </button>
              <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ requestId: r.requestId, decision: 'reject' })}>
                Reject
              </button>
            </>
          )}
        </div>
      ))}
      {decide.isError && <ErrorNote error={decide.error} />}
    </div>
  );
}
