/**
 * Trait comparisons that can never hold because the value's type cannot match the trait's: `age eq
 * "30"` where `age` is a number, `vip eq 1` where `vip` is a boolean. Such a condition publishes,
 * and silently sends everybody down the same branch. Pure: the caller supplies the trait types, from
 * the documented traits below and from the types observed on stored profiles
 * (core/journeys/trait-type-check.ts, docs/canvas.md#trait-types).
 */
import type { DocumentIssue } from './errors.js';
import { isRecord } from './json.js';

/** A JSON value type, as PostgreSQL's jsonb_typeof names it (null excluded: a null trait is a missing one). */
export type JsonType = 'string' | 'number' | 'boolean' | 'array' | 'object';

/** Traits the engine itself reads, with the type it reads them as (docs/canvas.md#trait-types). */
export const DOCUMENTED_TRAIT_TYPES: Readonly<Record<string, JsonType>> = {
  phone: 'string',
  push_tokens: 'array',
  account_manager: 'string',
  timeZone: 'string',
  consent: 'object',
};

/** What is known of a trait's type and where it comes from. */
export interface TraitType {
  type: JsonType;
  source: 'documented' | 'observed';
  /** For an observed type: how many sampled profiles had the trait (all with this type). */
  profiles?: number;
}

/** A comparison of a trait with a literal value, found in a canvas. */
export interface TraitComparison {
  trait: string;
  /** The literal compared with, and its JSON path. */
  value: string | number | boolean;
  path: string;
}

const EQUALITY_OPS = new Set(['eq', 'neq', 'in', 'not_in']);
const ORDERED_OPS = new Set(['gt', 'gte', 'lt', 'lte', 'between']);
const isLiteral = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);

/**
 * Every literal a trait is compared with, anywhere in the canvas (conditions, multi-split cases, exit
 * criteria, trait splits). Ordered comparisons count only with numbers: a text operand there is a
 * time or a member of an `order`, which the trait type alone cannot judge.
 */
export function traitComparisons(doc: unknown, path = '$'): TraitComparison[] {
  if (Array.isArray(doc)) return doc.flatMap((item, i) => traitComparisons(item, `${path}[${i}]`));
  if (!isRecord(doc)) return [];
  const found: TraitComparison[] = [];
  if (typeof doc.trait === 'string' && typeof doc.op === 'string') {
    const values = Array.isArray(doc.value) ? doc.value.map((v, i) => [v, `${path}.value[${i}]`] as const) : [[doc.value, `${path}.value`] as const];
    const judged = EQUALITY_OPS.has(doc.op) || (ORDERED_OPS.has(doc.op) && doc.order === undefined);
    for (const [value, at] of values) {
      if (!isLiteral(value) || !judged) continue;
      if (ORDERED_OPS.has(doc.op) && typeof value !== 'number') continue;
      found.push({ trait: doc.trait, value, path: at });
    }
  }
  if (doc.type === 'trait_split' && typeof doc.trait === 'string' && Array.isArray(doc.cases)) {
    doc.cases.forEach((c, j) => {
      if (!isRecord(c) || !Array.isArray(c.values)) return;
      c.values.forEach((value, k) => {
        if (isLiteral(value)) found.push({ trait: doc.trait as string, value, path: `${path}.cases[${j}].values[${k}]` });
      });
    });
  }
  for (const [key, child] of Object.entries(doc)) {
    if (typeof child === 'object' && child !== null) found.push(...traitComparisons(child, `${path}.${key}`));
  }
  return found;
}

/**
 * A `trait_type_mismatch` warning for each comparison whose literal's type differs from the trait's
 * known type. An array trait is never judged (equality on it tests membership).
 */
export function traitTypeWarnings(comparisons: TraitComparison[], types: ReadonlyMap<string, TraitType>): DocumentIssue[] {
  return comparisons.flatMap(({ trait, value, path }) => {
    const known = types.get(trait);
    const valueType = typeof value as JsonType;
    if (!known || known.type === 'array' || known.type === valueType) return [];
    const why = known.source === 'documented' ? 'as the engine documents it' : `on all ${known.profiles} stored profiles sampled that have it`;
    return [
      {
        code: 'trait_type_mismatch',
        message: `"${trait}" is compared with the ${VALUE_NAMES[valueType]} ${JSON.stringify(value)}, but "${trait}" is ${NAMES[known.type]} ${why}: this comparison never holds (write ${known.type === 'string' ? `"${String(value)}"` : `the value as ${NAMES[known.type]}`})`,
        path,
      },
    ];
  });
}

const NAMES: Record<JsonType, string> = { string: 'text', number: 'a number', boolean: 'a boolean', array: 'a list', object: 'an object' };
const VALUE_NAMES: Record<JsonType, string> = { string: 'text', number: 'number', boolean: 'boolean', array: 'list', object: 'object' };
