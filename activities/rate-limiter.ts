/** Per-action send rate limits in one worker process: sends are spaced evenly, never bursting past the rate. */
import { TransientChannelError } from '../core/channels/channel.js';

export interface RateLimiter {
  /** Waits for the action's next free slot; throws a TransientChannelError when that is more than the longest wait away. */
  take(action: string): Promise<void>;
}

export function createRateLimiter(perSecond: Record<string, number>, maxWaitMs: number): RateLimiter {
  const nextFree = new Map<string, number>();
  return {
    async take(action) {
      const rate = perSecond[action];
      if (!rate) return;
      const now = Date.now();
      const slot = Math.max(now, nextFree.get(action) ?? now);
      if (slot - now > maxWaitMs) {
        throw new TransientChannelError('rate_limited', `the ${action} send rate of ${rate}/s is saturated; retried later`);
      }
      nextFree.set(action, slot + 1000 / rate);
      if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
    },
  };
}
