import { describe, it, expect } from '@jest/globals';
import { parseTemplate, renderTemplate } from './template.js';

describe('parseTemplate', () => {
  it.each<[string, string[]]>([
    ['No fields at all', []],
    ['', []],
    ['Hi {{ traits.first_name }}', ['traits.first_name']],
    ['Hi {{traits.first_name}}!', ['traits.first_name']],
    ['{{ traits.first_name | default: "there" }}, your code is {{ entry.code }}', ['traits.first_name', 'entry.code']],
    ['{{ traits.a }} {{ traits.a | default: "x" }}', ['traits.a']],
    ['{{ customer.id }} {{ journey.name }} {{ entry.items.0.sku }}', ['customer.id', 'journey.name', 'entry.items.0.sku']],
    ["{{ traits.name | default: 'friend' }}", ['traits.name']],
    ['{{ traits.name | default: "}} and {{ inside quotes" }}', ['traits.name']],
    ['{{ traits.name|default:"x" }}', ['traits.name']],
    ['Stray }} is just text', []],
  ])('%j -> fields %j', (text, fields) => {
    expect(parseTemplate(text)).toEqual({ ok: true, fields });
  });

  it.each<[string, string, string]>([
    ['unterminated', 'Hi {{ traits.first_name', 'never closed'],
    ['unterminated quote', 'Hi {{ traits.a | default: "x }}', 'never closed'],
    ['empty expression', 'Hi {{ }}', 'is empty'],
    ['empty expression, no spaces', 'Hi {{}}', 'is empty'],
    ['unknown root', 'Hi {{ profile.name }}', 'unknown "profile"'],
    ['root only', 'Hi {{ traits }}', 'names only "traits"'],
    ['not a path', 'Hi {{ "name" }}', 'must start with a field path'],
    ['trailing dot', 'Hi {{ traits.name. }}', 'unexpected text'],
    ['space inside the path', 'Hi {{ traits.first name }}', 'unexpected text "name"'],
    ['unknown filter', 'Hi {{ traits.name | upcase }}', 'unknown filter "upcase"'],
    ['filter without a name', 'Hi {{ traits.name | }}', 'unknown filter'],
    ['default without colon', 'Hi {{ traits.name | default "x" }}', '| default: "text"'],
    ['default without quotes', 'Hi {{ traits.name | default: there }}', 'in quotes'],
    ['two filters', 'Hi {{ traits.name | default: "a" | default: "b" }}', 'only one filter'],
    ['nested braces', 'Hi {{ {{ traits.name }} }}', 'must start with a field path'],
  ])('rejects %s', (_name, text, fragment) => {
    const result = parseTemplate(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(fragment);
  });

  it('says where the problem is', () => {
    const result = parseTemplate('Hello {{ traits.a }} and {{ bogus.b }}');
    expect(result).toEqual({ ok: false, error: expect.stringContaining('character 26') });
  });
});

describe('renderTemplate', () => {
  const context = {
    traits: { first_name: '小明', points: 120, vip: false, empty: '', none: null, address: { city: 'Shanghai' }, tags: ['a', 'b'] },
    entry: { code: 'A7', items: [{ sku: 'F001' }] },
    journey: { name: 'Onboarding' },
    customer: { id: 'c_42' },
  };

  it.each<[string, string]>([
    ['Hi {{ traits.first_name }}!', 'Hi 小明!'],
    ['{{ traits.missing | default: "there" }}', 'there'],
    ['[{{ traits.missing }}]', '[]'],
    ['{{ traits.none | default: "n/a" }}', 'n/a'],
    ['{{ traits.empty | default: "n/a" }}', 'n/a'],
    ['{{ traits.points }} points', '120 points'],
    ['vip={{ traits.vip | default: "unknown" }}', 'vip=false'],
    ['{{ traits.address }}', '{"city":"Shanghai"}'],
    ['{{ traits.tags }}', '["a","b"]'],
    ['{{ traits.address.city }}', 'Shanghai'],
    ['{{ entry.items.0.sku }}', 'F001'],
    ['{{ customer.id }} in {{ journey.name }}', 'c_42 in Onboarding'],
    ['{{ traits.missing | default: "say \\"hi\\"" }}', 'say "hi"'],
    ['{{ traits.missing | default: "}}" }}', '}}'],
    ['{{ traits.first_name }}{{ traits.first_name }}', '小明小明'],
    ['No fields', 'No fields'],
    ['', ''],
  ])('%j -> %j', (text, expected) => {
    expect(renderTemplate(text, context)).toBe(expected);
  });

  it('renders nothing rather than "undefined" when a whole root is missing', () => {
    expect(renderTemplate('Hi {{ traits.first_name }}', {})).toBe('Hi ');
  });

  it('throws invalid_template for a broken template', () => {
    expect(() => renderTemplate('Hi {{ traits.first_name', context)).toThrow(
      expect.objectContaining({ code: 'invalid_template' }),
    );
  });
});
