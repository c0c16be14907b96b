import { describe, expect, it } from '@jest/globals';
import { parseFrequencyCaps, parseQuietHours, parseRateLimits, quietHoursEnd } from './policy.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('quietHoursEnd', () => {
  const night = parseQuietHours({ start: '21:00', end: '09:00' });
  const lunch = parseQuietHours({ start: '12:00', end: '13:30' });

  it.each<[string, string, typeof night, string, string | null]>([
    ['before a night window', '2026-11-26T12:59:00Z', night, 'Asia/Shanghai', null], // 20:59 local
    ['at its start', '2026-11-26T13:00:00Z', night, 'Asia/Shanghai', '2026-11-27T01:00:00.000Z'], // 21:00 -> 09:00 next day
    ['across local midnight', '2026-11-26T16:30:00Z', night, 'Asia/Shanghai', '2026-11-27T01:00:00.000Z'], // 00:30 local
    ['in the early morning', '2026-11-26T23:00:00Z', night, 'Asia/Shanghai', '2026-11-27T01:00:00.000Z'], // 07:00 local
    ['at its end', '2026-11-27T01:00:00Z', night, 'Asia/Shanghai', null], // 09:00 local: allowed
    ['inside a daytime window', '2026-11-26T04:15:00Z', lunch, 'Asia/Shanghai', '2026-11-26T05:30:00.000Z'],
    ['after a daytime window', '2026-11-26T05:30:00Z', lunch, 'Asia/Shanghai', null],
    // New York springs forward on 2026-03-08: 21:00 EST on the 7th is 02:00Z on the 8th; 09:00 EDT is 13:00Z.
    ['across a spring-forward night', '2026-03-08T02:30:00Z', night, 'America/New_York', '2026-03-08T13:00:00.000Z'],
    // and falls back on 2026-11-01: 09:00 EST is 14:00Z.
    ['across a fall-back night', '2026-11-01T04:30:00Z', night, 'America/New_York', '2026-11-01T14:00:00.000Z'],
  ])('%s', (_label, now, window, zone, expected) => {
    expect(iso(quietHoursEnd(at(now), window, zone))).toBe(expected);
  });

  it('treats equal start and end as no quiet hours', () => {
    expect(quietHoursEnd(at('2026-11-26T13:00:00Z'), parseQuietHours({ start: '09:00', end: '09:00' }), 'UTC')).toBeNull();
  });
});

describe('parseFrequencyCaps', () => {
  it('reads caps per action', () => {
    expect(parseFrequencyCaps('sms:2/P7D, push:5/P1D')).toEqual({
      sms: { max: 2, windowMs: 7 * 86_400_000, text: '2/P7D' },
      push: { max: 5, windowMs: 86_400_000, text: '5/P1D' },
    });
    expect(parseFrequencyCaps('')).toEqual({});
  });

  it.each(['sms', 'sms:2', 'sms:two/P7D', 'sms:2/7d', 'sms:2/P1M', 'sms:2/P7D,sms:3/P1D'])('refuses %s', (text) => {
    expect(() => parseFrequencyCaps(text)).toThrow(expect.objectContaining({ code: expect.stringMatching(/invalid_frequency_cap|invalid_duration/) }));
  });
});

describe('parseRateLimits', () => {
  it('reads sends per second per action', () => {
    expect(parseRateLimits('sms:50,push:2.5')).toEqual({ sms: 50, push: 2.5 });
  });

  it.each(['sms', 'sms:0', 'sms:-1', 'sms:fast'])('refuses %s', (text) => {
    expect(() => parseRateLimits(text)).toThrow(expect.objectContaining({ code: 'invalid_rate_limit' }));
  });
});

describe('quiet hours in a canvas', () => {
  const canvas = (quietHours: unknown) => ({
    schemaVersion: 2,
    name: 'quiet',
    settings: { quietHours },
    nodes: [
      { id: 'start', type: 'trigger', trigger: { kind: 'api' } },
      { id: 'sms', type: 'action', action: 'sms', params: { body: 'hi' } },
      { id: 'done', type: 'exit' },
    ],
    edges: [
      { from: 'start', to: 'sms' },
      { from: 'sms', to: 'done' },
    ],
  });

  it('compile into the plan by action', async () => {
    const { compileCanvas } = await import('./compile.js');
    const compiled = compileCanvas(canvas({ sms: { start: '21:00', end: '09:00' } }));
    expect(compiled.ok && compiled.plan.quietHours).toEqual({ sms: { start: { hour: 21, minute: 0 }, end: { hour: 9, minute: 0 } } });
  });

  it.each<[string, unknown, string, string]>([
    ['an unknown action', { fax: { start: '21:00', end: '09:00' } }, 'unknown_action', '$.settings.quietHours.fax'],
    ['a bad time', { sms: { start: '9pm', end: '09:00' } }, 'invalid_time_of_day', '$.settings.quietHours.sms.start'],
    ['a missing end', { sms: { start: '21:00' } }, 'invalid_document', '$.settings.quietHours.sms.end'],
  ])('refuse %s', async (_label, quietHours, code, path) => {
    const { validateCanvas } = await import('./validate.js');
    expect(validateCanvas(canvas(quietHours))).toEqual(expect.arrayContaining([expect.objectContaining({ code, path })]));
  });
});
