/** Pause, resume, stop and archive, offered when the journey's state and the key's role allow them. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../api/client';
import type { JourneyView } from '../api/types';
import { useSession } from '../session';
import { ErrorNote } from './common';

const ACTIONS = ['pause', 'resume', 'stop', 'archive'] as const;

/** What each action asks before it runs (the ones that cannot be undone). */
const CONFIRM: Partial<Record<(typeof ACTIONS)[number], (name: string) => string>> = {
  stop: (name) => `Stop "${name}" for good? Runs in flight finish.`,
  archive: (name) => `Archive "${name}"? It can no longer be edited, published or resumed.`,
};

export function Lifecycle({ journey }: { journey: JourneyView }) {
  const session = useSession();
  const queries = useQueryClient();
  const run = useMutation({
    // Pause and resume answer { previousStatus }, stop { mode }: the console only needs the call to succeed.
    mutationFn: async (action: (typeof ACTIONS)[number]): Promise<unknown> => {
      const path = { params: { path: { journeyId: journey.id } } };
      if (action === 'pause') return ok(api.POST('/v1/journeys/{journeyId}/pause', { ...path, body: { reason: 'paused in the console' } }));
      if (action === 'resume') return ok(api.POST('/v1/journeys/{journeyId}/resume', { ...path, body: {} }));
      if (action === 'archive') return ok(api.POST('/v1/journeys/{journeyId}/archive', { ...path, body: { reason: 'archived in the console' } }));
      return ok(api.POST('/v1/journeys/{journeyId}/stop', { ...path, body: { mode: 'finish', reason: 'stopped in the console' } }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: ['journey', journey.id] }),
  });
  const offered = ACTIONS.filter((a) => journey.allowedActions.includes(a) && session.may(`POST /v1/journeys/{journeyId}/${a}`));
  return (
    <span className="je-lifecycle">
      {offered.map((a) => (
        <button
          key={a}
          type="button"
          disabled={run.isPending}
          onClick={() => (!CONFIRM[a] || window.confirm(CONFIRM[a](journey.name))) && run.mutate(a)}
        >
          {a}
        </button>
      ))}
      {run.isError && <ErrorNote error={run.error} />}
    </span>
  );
}
