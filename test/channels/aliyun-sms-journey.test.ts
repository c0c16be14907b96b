/**
 * Provider templates and the aliyun-sms channel through the real Nest app and a worker on Temporal:
 * templates registered by API (roles, audit, refusals), publish refusing unknown templates and wrong
 * parameters with the JSON path, the SMS length in the validation info, a journey sending the rendered
 * template through the fake Aliyun (signature verified), and Aliyun's receipts authenticated by the URL
 * token and recorded in the customer's history.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultChannelDescriptors } from '../../activities/channels/registry.js';
import type { Canvas } from '../../engine/canvas.js';
import { aliyunReceipt, startFakeAliyunSms, type FakeAliyunSms } from '../fakes/aliyun-sms-server.js';
import { canvas, startApi, type ApiHarness } from '../api/api-harness.js';
import { eventually } from '../support/runtime-harness.js';

const unique = `${Date.now().toString(36)}-${process.pid}`;
const TEMPLATE = `SMS_${Date.now()}`;
const TOKEN = 'aliyun-report-token-0123456789abcdef';
let fake: FakeAliyunSms;
let api: ApiHarness;

beforeAll(async () => {
  fake = await startFakeAliyunSms();
  const registry = defaultChannelDescriptors();
  const settings = {
    publicBaseUrl: 'https://journeys.example.com',
    aliyunAccessKeyId: fake.accessKeyId,
    aliyunAccessKeySecret: fake.accessKeySecret,
    aliyunSmsApiBaseUrl: fake.baseUrl,
    aliyunSmsReportToken: TOKEN,
  };
  api = await startApi('aliyun', { channels: registry, channelSettings: settings }, { descriptors: registry, settings });
});
afterAll(async () => {
  await api?.stop();
  await fake?.close();
});

const templatePath = (id = TEMPLATE, channel = 'aliyun-sms') => `/v1/channels/${channel}/templates/${id}`;
const REGISTRATION = { text: '${name}您好，您的账户${account}已开通，请于${date}前完成首次入金', signature: '极速证券', category: 'service' };

const journey = (name: string, params: Record<string, unknown>): Canvas =>
  canvas(
    name,
    [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'welcome', type: 'action', action: 'aliyun-sms', category: 'transactional', params },
      { id: 'done', type: 'exit' },
    ],
    [
      { from: 'start', to: 'welcome' },
      { from: 'welcome', to: 'done' },
    ],
  );
const GOOD = { template: TEMPLATE, params: { name: '{{ traits.first_name }}', account: '{{ entry.account }}', date: '12月31日' } };

describe('provider templates by API', () => {
  it('registers a template (engineer), lists it (viewer), audits it, and refuses other roles, free-text channels and bad bodies', async () => {
    const put = await api.as('engineer').put(templatePath()).send(REGISTRATION).expect(200);
    expect(put.body).toMatchObject({ channel: 'aliyun-sms', templateId: TEMPLATE, params: ['name', 'account', 'date'], signature: '极速证券', category: 'service' });
    await api.as('marketer').put(templatePath()).send(REGISTRATION).expect(403);
    const list = await api.as('viewer').get('/v1/channels/aliyun-sms/templates').expect(200);
    expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ templateId: TEMPLATE })]));

    const freeText = await api.as('engineer').put(templatePath('X1', 'sms')).send(REGISTRATION).expect(422);
    expect(freeText.body.error.code).toBe('free_text_channel');
    expect((await api.as('engineer').put(templatePath('X1', 'nope')).send(REGISTRATION).expect(404)).body.error.code).toBe('unknown_channel');
    const bad = await api.as('engineer').put(templatePath('X2')).send({ ...REGISTRATION, category: 'promo', extra: 1 }).expect(400);
    expect(bad.body.error.code).toBe('invalid_body');
    expect(JSON.stringify(bad.body.error.issues)).toContain('category');

    const audit = await api.rt.db.query(`SELECT action, actor_role, detail FROM audit_log WHERE entity_type = 'channel_template' AND entity_id = $1`, [`aliyun-sms/${TEMPLATE}`]);
    expect(audit).toEqual([expect.objectContaining({ action: 'channel.template.create', actor_role: 'engineer', detail: expect.objectContaining({ params: ['name', 'account', 'date'] }) })]);
  });

  it.each([
    ['an unregistered template', { template: 'SMS_NOT_THERE', params: {} }, 'unknown_template', '$.nodes[1].params.template'],
    ['a missing parameter', { template: TEMPLATE, params: { name: 'a', account: 'b' } }, 'missing_template_param', '$.nodes[1].params.params'],
    ['an unknown parameter', { template: TEMPLATE, params: { ...GOOD.params, code: '1234' } }, 'unknown_template_param', '$.nodes[1].params.params.code'],
  ])('refuses to publish %s with 422 and the JSON path', async (_, params, code, path) => {
    const res = await api.http().put(`/v1/journeys/aliyun-bad-${code}-${unique}/publish`).send(journey('bad', params)).expect(422);
    expect(res.body.error.code).toBe('invalid_canvas');
    expect(res.body.error.issues).toEqual([expect.objectContaining({ code, path })]);
  });

  it('shows the rendered length and segment count in the validation info', async () => {
    const res = await api.http().post('/v1/journeys/validate').send(journey('ok', { ...GOOD, params: { name: '李雷', account: '8801', date: '12月31日' } })).expect(200);
    expect(res.body.valid).toBe(true);
    const info = (res.body.info as { code: string; message: string; path: string }[]).find((i) => i.code === 'sms_length');
    expect(info).toEqual({ code: 'sms_length', path: '$.nodes[1].params', message: expect.stringContaining('"【极速证券】李雷您好，您的账户8801已开通，请于12月31日前完成首次入金": 38 characters (UCS-2') });
    expect(info?.message).toMatch(/1 SMS segment$/);
    const invalid = await api.http().post('/v1/journeys/validate').send(journey('bad', { template: 'SMS_NOT_THERE' })).expect(200);
    expect(invalid.body).toMatchObject({ valid: false, issues: [expect.objectContaining({ code: 'unknown_template' })] });
  });

  it('documents the action params and the template routes in the OpenAPI document', async () => {
    const doc = (await api.anonymous().get('/docs/openapi.json').expect(200)).body;
    expect(doc.components.schemas['Action_aliyun-sms'].properties.params.required).toEqual(['template']);
    expect(doc.paths['/v1/channels/{channel}/templates/{templateId}'].put).toBeDefined();
    expect(doc.paths['/v1/channels/{channel}/templates'].get).toBeDefined();
  });
});

describe('an aliyun-sms journey', () => {
  it('sends the rendered template once and records token-authenticated receipts in the history', async () => {
    const journeyId = `aliyun-run-${unique}`;
    await api.http().put(`/v1/journeys/${journeyId}/publish`).send(journey('welcome cn', GOOD)).expect(201);
    const customerId = `aliyun-${unique}`;
    const phone = `+86138${String(Date.now() % 100_000_000).padStart(8, '0')}`;
    await api.rt.db.query(`INSERT INTO customers (id, traits) VALUES ($1, $2)`, [customerId, JSON.stringify({ phone, first_name: '韩梅梅' })]);
    await api.as('engineer').post(`/v1/journeys/${journeyId}/enrollments`).send({ customerId, payload: { account: '6622' } }).expect(201);
    const history = async () => (await api.http().get(`/v1/customers/${customerId}/history`).expect(200)).body.enrollments[0];
    await eventually('the run to end', async () => (await history())?.status === 'completed');

    const sent = fake.messages.filter((m) => m.phoneNumbers === phone.slice(3));
    expect(sent).toEqual([expect.objectContaining({ signName: '极速证券', templateCode: TEMPLATE, templateParam: { name: '韩梅梅', account: '6622', date: '12月31日' } })]);
    expect(fake.requests.every((r) => r.signatureProblem === null)).toBe(true);
    const outId = sent[0].outId!;
    expect((await history()).messages).toEqual([expect.objectContaining({ nodeId: 'welcome', action: 'aliyun-sms', status: 'sent', provider: 'aliyun', providerMessageId: outId })]);

    const post = (query: string, body: unknown) => api.anonymous().post(`/v1/providers/aliyun-sms/status${query}`).send(body as object);
    await post('', [aliyunReceipt(sent[0], false)]).expect(403);
    await post('?token=wrong', [aliyunReceipt(sent[0], false)]).expect(403);
    expect((await history()).messages[0]).toMatchObject({ deliveryStatus: null });
    await post(`?token=${TOKEN}`, [{ out_id: 'x' }]).expect(400);

    const unknown = { ...aliyunReceipt(sent[0], true), out_id: 'not-ours' };
    const ack = await post(`?token=${TOKEN}`, [aliyunReceipt(sent[0], false, 'MK:0004'), unknown]).expect(200);
    expect(ack.body).toEqual({ code: 0, msg: '接收成功' });
    await eventually('the receipt in the history', async () => (await history()).messages[0].deliveryStatus === 'undelivered');
    expect(JSON.stringify((await history()).messages[0])).toContain('switched off or out of coverage');
  });
});
