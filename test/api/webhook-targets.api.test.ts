/**
 * Webhook targets at publish (SSRF guard): a canvas whose webhook calls a loopback, link-local,
 * private or unique-local address, or a non-https URL, is refused with 422, the code and the JSON
 * path of the URL, unless the operator's allow-list (JE_WEBHOOK_ALLOWED_HOSTS) names the host.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../config/index.js';
import { canvas, startApi, type ApiHarness } from './api-harness.js';

let api: ApiHarness;
const unique = Date.now().toString(36);

beforeAll(async () => {
  // The allow-list as the API reads it from the environment.
  const { webhookAllowedHosts } = loadConfig({ JE_WEBHOOK_ALLOWED_HOSTS: 'crm.internal, 10.0.4.7' });
  api = await startApi('webhook-targets', { channelSettings: { webhookAllowedHosts } });
});
afterAll(async () => {
  await api?.stop();
});

const withWebhook = (url: string) =>
  canvas(
    'Lead intake',
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'lead', type: 'action', action: 'webhook', params: { url, body: { source: 'journey' } } },
      { id: 'done', type: 'exit' },
    ],
    [
      { from: 'start', to: 'lead' },
      { from: 'lead', to: 'done' },
    ],
  );

describe('publishing a webhook', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'insecure_url'],
    ['https://169.254.169.254/latest/meta-data/', 'forbidden_target'],
    ['https://127.0.0.1:8443/hook', 'forbidden_target'],
    ['https://[::1]/hook', 'forbidden_target'],
    ['https://[::ffff:127.0.0.1]/hook', 'forbidden_target'],
    ['https://192.168.0.10/hook', 'forbidden_target'],
    ['https://[fd00::5]/hook', 'forbidden_target'],
    ['https://localhost/hook', 'forbidden_target'],
    ['http://crm.example.com/hook', 'insecure_url'],
  ])('refuses %s with 422 %s at $.nodes[1].params.url', async (url, code) => {
    const id = `wh-${code}-${unique}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await api.http().put(`/v1/journeys/${id}/publish`).send(withWebhook(url)).expect(422);
    expect(res.body.error.code).toBe('invalid_canvas');
    expect(res.body.error.issues).toEqual([{ code, path: '$.nodes[1].params.url', message: expect.stringContaining('JE_WEBHOOK_ALLOWED_HOSTS') }]);
  });

  it.each(['https://crm.example.com/hook', 'http://crm.internal/hook', 'https://10.0.4.7/hook'])('publishes %s (public https, or a host the operator allowed)', async (url) => {
    const id = `wh-ok-${unique}-${Math.random().toString(36).slice(2, 8)}`;
    await api.http().put(`/v1/journeys/${id}/publish`).send(withWebhook(url)).expect(201);
  });

  it('refuses an allowed name\'s neighbour: the allow-list names exact hosts', async () => {
    const res = await api.http().put(`/v1/journeys/wh-near-${unique}/publish`).send(withWebhook('https://10.0.4.8/hook')).expect(422);
    expect(res.body.error.issues[0]).toMatchObject({ code: 'forbidden_target', path: '$.nodes[1].params.url' });
  });
});
