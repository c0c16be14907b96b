/** Provider templates: parameter names, filling, SMS length and segments, and the publish-time checks of a canvas. */
import { describe, expect, it } from '@jest/globals';
import { BUILTIN_ACTIONS, providerTemplateSmsSpec } from './actions.js';
import { validateCanvas } from './validate.js';
import {
  fillTemplate,
  providerTemplateInfo,
  providerTemplateIssues,
  signedText,
  smsLength,
  templateKey,
  templateParamNames,
  templatesNamedIn,
  type ProviderTemplate,
} from './provider-templates.js';

describe('templateParamNames', () => {
  it.each([
    ['您的验证码为${code}，5分钟内有效', ['code']],
    ['${name}您好，您的账户${account}已开通，${name}', ['name', 'account']],
    ['尊敬的{1}，您的开户申请已通过，请于{2}前完成首次入金', ['1', '2']],
    ['no parameters at all', []],
    ['{1}{1}{2}', ['1', '2']],
    ['broken ${ name } and {} and ${a-b}', []],
  ])('%s -> %j', (text, names) => {
    expect(templateParamNames(text)).toEqual(names);
  });

  it('fills placeholders in both forms and leaves unknown ones', () => {
    expect(fillTemplate('${name}您好{1}，${missing}', { name: '李雷', '1': '！' })).toBe('李雷您好！，${missing}');
  });
});

describe('smsLength', () => {
  const chinese = (n: number) => '字'.repeat(n);
  it.each([
    ['a'.repeat(160), 160, 'GSM-7', 1],
    ['a'.repeat(161), 161, 'GSM-7', 2],
    ['a'.repeat(306), 306, 'GSM-7', 2],
    ['a'.repeat(307), 307, 'GSM-7', 3],
    ['€'.repeat(80), 160, 'GSM-7', 1],
    ['€'.repeat(81), 162, 'GSM-7', 2],
    [chinese(70), 70, 'UCS-2', 1],
    [chinese(71), 71, 'UCS-2', 2],
    [chinese(134), 134, 'UCS-2', 2],
    [chinese(135), 135, 'UCS-2', 3],
    ['a'.repeat(69) + 'é', 70, 'GSM-7', 1],
    ['a'.repeat(69) + 'ā', 70, 'UCS-2', 1],
  ])('%#: %d characters, %s, %d segments', (text, characters, encoding, segments) => {
    expect(smsLength(text)).toEqual({ characters, encoding, segments });
  });

  it('counts the signature: 64 characters of text plus a 4-character signature in brackets is 70, one segment; one more is two', () => {
    expect(smsLength(signedText('极速证券', chinese(64))).segments).toBe(1);
    expect(smsLength(signedText('极速证券', chinese(65))).segments).toBe(2);
  });
});

const ALIYUN = 'aliyun-sms';
const actions = { ...BUILTIN_ACTIONS, [ALIYUN]: providerTemplateSmsSpec('Aliyun SMS', 'SMS_123456789') };
const welcome: ProviderTemplate = { channel: ALIYUN, templateId: 'SMS_1', text: '${name}您好，您的账户${account}已开通', params: ['name', 'account'], signature: '极速证券', category: 'service' };
const templates = new Map([[templateKey(ALIYUN, 'SMS_1'), welcome]]);

const canvasWith = (params: Record<string, unknown>, action = ALIYUN) => ({
  schemaVersion: 2,
  name: 'cn onboarding',
  nodes: [
    { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
    { id: 'welcome', type: 'action', action, params },
    { id: 'done', type: 'exit' },
  ],
  edges: [
    { from: 'start', to: 'welcome' },
    { from: 'welcome', to: 'done' },
  ],
});

describe('providerTemplateIssues', () => {
  it.each([
    ['all parameters given', { template: 'SMS_1', params: { name: '{{ traits.first_name }}', account: '{{ entry.account }}' } }, []],
    ['an unregistered template', { template: 'SMS_9', params: {} }, [{ code: 'unknown_template', path: '$.nodes[1].params.template' }]],
    ['a missing parameter', { template: 'SMS_1', params: { name: 'x' } }, [{ code: 'missing_template_param', path: '$.nodes[1].params.params' }]],
    ['no params at all', { template: 'SMS_1' }, [{ code: 'missing_template_param' }, { code: 'missing_template_param' }]],
    [
      'an unknown parameter',
      { template: 'SMS_1', params: { name: 'x', account: 'y', code: 'z' } },
      [{ code: 'unknown_template_param', path: '$.nodes[1].params.params.code' }],
    ],
  ])('%s', (_, params, expected) => {
    const issues = providerTemplateIssues(canvasWith(params), actions, templates);
    expect(issues).toEqual(expected.map((e) => expect.objectContaining(e)));
  });

  it('ignores free-text actions and names each template once', () => {
    expect(providerTemplateIssues(canvasWith({ body: 'hi' }, 'sms'), actions, new Map())).toEqual([]);
    expect(templatesNamedIn(canvasWith({ template: 'SMS_1' }), actions)).toEqual([{ channel: ALIYUN, templateId: 'SMS_1' }]);
  });

  it('reports the rendered length with the signature as information', () => {
    const info = providerTemplateInfo(canvasWith({ template: 'SMS_1', params: { name: '李雷', account: '8801' } }), actions, templates);
    expect(info).toEqual([{ code: 'sms_length', path: '$.nodes[1].params', message: expect.stringContaining('"【极速证券】李雷您好，您的账户8801已开通": 22 characters (UCS-2') }]);
    expect(info[0].message).toMatch(/1 SMS segment$/);
  });
});

describe('a template action in the compiler', () => {
  it('checks the schema and each parameter value as a template, with its JSON path', () => {
    const issues = validateCanvas(canvasWith({ template: 'SMS_1', params: { name: 'x', account: 'y' }, body: 'free text' }), { actions });
    expect(issues).toEqual([expect.objectContaining({ code: 'invalid_action_params', path: '$.nodes[1].params.body' })]);
    const bad = validateCanvas(canvasWith({ template: 'SMS_1', params: { name: '{{ traits.first_name', account: 'x' } }), { actions });
    expect(bad).toEqual([expect.objectContaining({ code: 'invalid_template', path: '$.nodes[1].params.params.name' })]);
  });
});
