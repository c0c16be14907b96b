/** Pause, resume and stop, offered when the journey's state and the key's role allow them. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../api/client';
import type { JourneyView } from '../api/types';
import { useSession } from '../session';
import { ErrorNote } from './common';

const ACTIONS = ['pause', 'resume', 'stop'] as const;

export function Lifecycle({ journey }: { journey: JourneyView }) {
  const session = useSession();
  const queries = useQueryClient();
  const run = useMutation({
    // Pause and resume answer { previousStatus }, stop { mode }: the console only needs the call to succeed.
    mutationFn: async (action: (typeof ACTIONS)[number]): Promise<unknown> => {
      const path = { params: { path: { journeyId: journey.id } } };
      if (action === 'pause') return ok(api.POST('/v1/journeys/{journeyId}/pause', { ...path, body: { reason: 'paused in the console' } }));
      if (action === 'resume') return ok(api.POST('/v1/journeys/{journeyId}/resume', { ...path, body: {} }));
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
          onClick={() => (a !== 'stop' || window.confirm(`Stop "${journey.name}" for good? Runs in flight finish.`)) && run.mutate(a)}
        >
          {a}
        </button>
      ))}
      {run.isError && <ErrorNote error={run.error} />}
    </span>
  );
}
