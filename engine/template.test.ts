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
    ['{{ traits.a }} {{ entry.b }} {{ traits.c }}', ['traits.a', 'entry.b', 'traits.c']],
    ['{{ customer.id }} {{ journey.name }} {{ entry.items.0.sku }}', ['customer.id', 'journey.name', 'entry.items.0.sku']],
    ['{{ entry.items[0].sku }} {{ journey.id }} {{ journey.versionId }}', ['entry.items.0.sku', 'journey.id', 'journey.versionId']],
    ['{{ traits["first name"] }}', ['traits["first name"]']],
    ["{{ traits.name | default: 'friend' }}", ['traits.name']],
    ['{{ traits.name | default: "}} and {{ inside quotes" }}', ['traits.name']],
    ['{{ traits.name|default:"x" }}', ['traits.name']],
    ['Stray }} is just text', []],
    ['{{ traits.name | upcase | truncate: 10 }} {{ entry.total | times: 1.1 | round: 2 }}', ['traits.name', 'entry.total']],
    ['{{ traits.name | default: traits.nickname }}', ['traits.name', 'traits.nickname']],
    ['{% if entry.total > 100 %}big{% elsif entry.total > 10 %}mid{% else %}small{% endif %}', ['entry.total']],
    ['{% unless traits.vip %}join{% endunless %}', ['traits.vip']],
    ['{% case traits.tier %}{% when "gold" %}G{% else %}-{% endcase %}', ['traits.tier']],
    ['{% for t in traits.tokens %}{{ t }}{{ forloop.index }}{% endfor %}', ['traits.tokens']],
    ['{% for item in entry.items %}{{ item.sku }}{% endfor %}', ['entry.items']],
    ['{% assign name = traits.first_name | default: "there" %}Hi {{ name }}', ['traits.first_name']],
    ['{% capture greeting %}Hi {{ traits.first_name }}{% endcapture %}{{ greeting }}', ['traits.first_name']],
    ['{% comment %}{{ bogus.x }}{% endcomment %}ok', []],
    ['{% raw %}{{ not.a_field }}{% endraw %}', []],
  ])('%j -> fields %j', (text, fields) => {
    expect(parseTemplate(text)).toEqual({ ok: true, fields });
  });

  it.each<[string, string, string]>([
    ['unterminated', 'Hi {{ traits.first_name', 'not closed'],
    ['unterminated quote', 'Hi {{ traits.a | default: "x }}', 'not closed'],
    ['unterminated tag', 'Hi {% if traits.a %}yes', 'not closed'],
    ['empty expression', 'Hi {{ }}', 'invalid value expression'],
    ['empty expression, no spaces', 'Hi {{}}', 'invalid value expression'],
    ['unknown root', 'Hi {{ profile.name }}', 'unknown "profile"'],
    ['unknown root names the allowed roots', 'Hi {{ profile.name }}', 'traits., entry., journey., customer.'],
    ['root only', 'Hi {{ traits }}', 'names only "traits"'],
    ['unknown journey field', 'In {{ journey.nmae }}', 'the field "journey.nmae"'],
    ['unknown journey field lists the fields', 'In {{ journey.nmae }}', 'journey has only id, name, versionId'],
    ['unknown customer field', 'Hi {{ customer.email }}', 'customer has only id'],
    ['dynamic journey field', '{{ journey[traits.key] }}', 'not a field of journey'],
    ['unknown field in a tag', '{% if journey.nmae %}x{% endif %}', 'journey.nmae'],
    ['unknown root in a filter argument', '{{ traits.a | default: profile.b }}', 'unknown "profile"'],
    ['loop variable used after its loop', '{% for t in traits.tokens %}{% endfor %}{{ t }}', 'unknown "t"'],
    ['assigned name used before the assign', '{{ n }}{% assign n = traits.a %}', 'unknown "n"'],
    ['space inside the path', 'Hi {{ traits.first name }}', 'unknown "name"'],
    ['unknown filter', 'Hi {{ traits.name | shout }}', 'unknown filter "shout"'],
    ['unknown filter in a tag', '{% assign x = traits.name | shout %}', 'unknown filter "shout"'],
    ['default without colon', 'Hi {{ traits.name | default "x" }}', 'expected ":"'],
    ['include', "{% include 'x' %}", 'the {% include %} tag is not allowed'],
    ['render', "{% render 'x' %}", 'the {% render %} tag is not allowed'],
    ['layout', "{% layout 'x' %}", 'the {% layout %} tag is not allowed'],
    ['tablerow', '{% tablerow t in traits.tokens %}{{ t }}{% endtablerow %}', 'allowed tags: if, unless'],
    ['echo', '{% echo traits.name %}', 'the {% echo %} tag is not allowed'],
    ['liquid', '{% liquid assign x = 1 %}', 'the {% liquid %} tag is not allowed'],
    ['unknown tag', '{% shout %}', 'tag "shout" not found'],
    ['nested braces', 'Hi {{ {{ traits.name }} }}', 'invalid value expression'],
  ])('rejects %s', (_name, text, fragment) => {
    const result = parseTemplate(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(fragment);
  });

  it.each<[string, string, string]>([
    ['an unknown field', 'Hello {{ traits.a }} and\n  {{ bogus.b }}', 'line 2, column 6'],
    ['a syntax error', 'Hello\n{{ traits.a', 'line:2, col:1'],
  ])('says where %s is', (_name, text, where) => {
    expect(parseTemplate(text)).toEqual({ ok: false, error: expect.stringContaining(where) });
  });

  it('refuses text that is not a string', () => {
    expect(parseTemplate(42 as unknown as string)).toEqual({ ok: false, error: 'A template must be text' });
  });
});

describe('renderTemplate', () => {
  const context = {
    traits: {
      first_name: '小明',
      points: 120,
      vip: false,
      empty: '',
      none: null,
      address: { city: 'Shanghai' },
      tags: ['a', 'b'],
      tokens: ['x1', 'y2'],
      html: '<b>Tom & "Jerry"</b>',
    },
    entry: { code: 'A7', items: [{ sku: 'F001' }, { sku: 'F002' }], total: 150 },
    journey: { id: 'j_1', name: 'Onboarding', versionId: 'v_3' },
    customer: { id: 'c_42' },
  };

  it.each<[string, string]>([
    ['Hi {{ traits.first_name }}!', 'Hi 小明!'],
    ['{{ traits.missing | default: "there" }}', 'there'],
    ['[{{ traits.missing }}]', '[]'],
    ['[{{ traits.missing.deeper }}]', '[]'],
    ['{{ traits.none | default: "n/a" }}', 'n/a'],
    ['{{ traits.empty | default: "n/a" }}', 'n/a'],
    ['{{ traits.points }} points', '120 points'],
    ['vip={{ traits.vip }}', 'vip=false'],
    // Standard Liquid: `default` replaces false too, unless allow_false is set.
    ['vip={{ traits.vip | default: "unknown" }}', 'vip=unknown'],
    ['vip={{ traits.vip | default: "unknown", allow_false: true }}', 'vip=false'],
    ['{{ traits.address }}', '{"city":"Shanghai"}'],
    ['{{ traits.tags }}', '["a","b"]'],
    ['{{ traits.tags | join: ", " }}', 'a, b'],
    ['{{ traits.address.city }}', 'Shanghai'],
    ['{{ entry.items.0.sku }}', 'F001'],
    ['{{ entry.items[1].sku }}', 'F002'],
    ['{{ entry.items.size }} items, first {{ entry.items.first.sku }}', '2 items, first F001'],
    ['{{ customer.id }} in {{ journey.name }}', 'c_42 in Onboarding'],
    ['{{ journey.id }}/{{ journey.versionId }}', 'j_1/v_3'],
    ['{{ traits.missing | default: "say \\"hi\\"" }}', 'say "hi"'],
    ['{{ traits.missing | default: "}}" }}', '}}'],
    ['{{ traits.first_name }}{{ traits.first_name }}', '小明小明'],
    ['{{ traits.html }}', '<b>Tom & "Jerry"</b>'],
    ['{{ "<i>" }} & {{ traits.html | upcase }}', '<i> & <B>TOM & "JERRY"</B>'],
    ['{% for t in traits.tokens %}{{ t }}{% endfor %}', 'x1y2'],
    ['{% for t in traits.tokens %}{{ forloop.index }}:{{ t }}{% unless forloop.last %}, {% endunless %}{% endfor %}', '1:x1, 2:y2'],
    ['{% for t in traits.missing %}{{ t }}{% else %}none{% endfor %}', 'none'],
    ['{% if entry.total > 100 %}big{% else %}small{% endif %}', 'big'],
    ['{% case entry.code %}{% when "A7" %}seven{% else %}other{% endcase %}', 'seven'],
    ['{% assign n = traits.first_name | default: "there" %}Hi {{ n }}', 'Hi 小明'],
    ['{% capture g %}Hi {{ customer.id }}{% endcapture %}{{ g | upcase }}', 'HI C_42'],
    ['{{ entry.total | times: 2 }}', '300'],
    ['{% raw %}{{ literally }}{% endraw %}', '{{ literally }}'],
    ['No fields', 'No fields'],
    ['', ''],
  ])('%j -> %j', (text, expected) => {
    expect(renderTemplate(text, context)).toBe(expected);
  });

  it('renders nothing rather than "undefined" when a whole root is missing', () => {
    expect(renderTemplate('Hi {{ traits.first_name }}', {})).toBe('Hi ');
  });

  it('does not read inherited properties', () => {
    expect(renderTemplate('[{{ traits.constructor }}][{{ traits.toString }}][{{ traits.__proto__ }}]', context)).toBe('[][][]');
  });

  it.each<[string, string]>([
    ['a broken template', 'Hi {{ traits.first_name'],
    ['an unknown filter', 'Hi {{ traits.first_name | shout }}'],
    ['an include', "{% include 'x' %}"],
    ['a runaway loop', '{% for i in (1..100000000) %}x{% endfor %}'],
  ])('throws invalid_template for %s', (_name, text) => {
    expect(() => renderTemplate(text, context)).toThrow(expect.objectContaining({ code: 'invalid_template' }));
  });
});
