/** Small journeys several tests publish. */
import type { PublishingService } from '../../core/journeys/publishing.js';
import type { Canvas, Trigger } from '../../engine/canvas.js';

/** The bodies of the two SMS of {@link publishTwoSmsJourney}. */
export const BODIES = { first: 'one', second: 'two' } as const;

/** Publishes `trigger -> sms "one" -> wait PT2S -> sms "two" -> exit` (the crash drills' journey); returns the version id. */
export async function publishTwoSmsJourney(publishing: PublishingService, journeyId: string, trigger: Trigger = { kind: 'api' }): Promise<string> {
  const canvas: Canvas = {
    schemaVersion: 2,
    name: `drill ${journeyId}`,
    nodes: [
      { id: 'start', type: 'trigger', trigger },
      { id: 'first', type: 'action', action: 'sms', params: { body: BODIES.first } },
      { id: 'pause', type: 'wait', duration: 'PT2S' },
      { id: 'second', type: 'action', action: 'sms', params: { body: BODIES.second } },
      { id: 'done', type: 'exit' },
    ],
    edges: [
      { from: 'start', to: 'first' },
      { from: 'first', to: 'pause' },
      { from: 'pause', to: 'second' },
      { from: 'second', to: 'done' },
    ],
  };
  const published = await publishing.publish(journeyId, canvas);
  if (!published.ok) throw new Error(JSON.stringify(published.errors));
  return published.versionId;
}
