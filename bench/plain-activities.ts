/** Activities of the baseline workflow (bench/plain-workflow.ts): a no-op, and one SMS through a channel. */
import type { ActionChannel } from '../core/channels/channel.js';

export interface PlainActivities {
  noop(i: number): Promise<number>;
  sendSms(input: { to: string; body: string; key: string }): Promise<string>;
}

/** `sms` is the very channel the journey worker sends through (the Twilio channel aimed at the fake). */
export function createPlainActivities(sms: ActionChannel): PlainActivities {
  return {
    async noop(i) {
      return i;
    },
    async sendSms({ to, body, key }) {
      const customerId = `plain-${to}`;
      const result = await sms.execute({
        idempotencyKey: key,
        customer: { id: customerId, traits: { phone: to } },
        params: { body },
        request: {
          enrollmentId: key,
          journeyId: 'plain',
          versionId: 'plain@1',
          customerId,
          nodeId: 'sms',
          attempt: 1,
          action: 'sms',
          category: 'transactional',
          params: { body },
          entry: {},
          journeyName: 'plain baseline',
          at: Date.now(),
        },
      });
      return result.providerMessageId ?? '';
    },
  };
}
