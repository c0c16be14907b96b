/**
 * The registry picks the webhook channel for `webhook` actions when JE_WEBHOOK_SECRET is set (https
 * only), and the recording stand-in otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createActionActivities } from '../../activities/actions.js';
import { defaultChannels } from '../../activities/channels/registry.js';
import { loadConfig } from '../../config/index.js';
import { createDataSource } from '../../store/data-source.js';
import { testDatabaseUrl } from '../support/env.js';
import { ledgerFixtures } from './ledger-fixtures.js';

let db: DataSource;
let fixtures: Awaited<ReturnType<typeof ledgerFixtures>>;

beforeAll(async () => {
  db = createDataSource(testDatabaseUrl(), { poolSize: 2 });
  await db.initialize();
  fixtures = await ledgerFixtures(db, 'webhook-registry');
});
afterAll(async () => {
  await db?.destroy();
});

async function webhookRequest(url: string) {
  return { ...(await fixtures.smsRequest({})), nodeId: 'hook', action: 'webhook', params: { url } };
}

describe('webhook channel in the registry', () => {
  it('is the real channel with JE_WEBHOOK_SECRET set: an http:// URL is refused', async () => {
    const settings = loadConfig({ JE_WEBHOOK_SECRET: 'a'.repeat(32) });
    const { performAction } = createActionActivities(db, defaultChannels({ db, settings }));
    expect(await performAction(await webhookRequest('http://127.0.0.1:9/leads'))).toMatchObject({
      status: 'failed',
      error: { code: 'insecure_url' },
    });
  });

  it('is the recording stand-in without it', async () => {
    const { performAction } = createActionActivities(db, defaultChannels({ db, settings: loadConfig({}) }));
    expect(await performAction(await webhookRequest('http://127.0.0.1:9/leads'))).toMatchObject({ status: 'sent', provider: 'recorder' });
  });
});
