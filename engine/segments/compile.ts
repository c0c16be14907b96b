/**
 * Compilation of a segment rule to one parameterized PostgreSQL boolean over a customers row aliased
 * `c`: `SELECT <sql> FROM customers c WHERE c.id = $1` checks one customer, `WHERE <sql>` selects the
 * whole segment. Rules are validated first; references to other segments are inlined.
 */
import { EngineError } from '../errors.js';
import { compileEventFound, compileEventRule } from './events.js';
import { compileComparison, SqlParams, type SqlContext } from './sql.js';
import type { SegmentRule } from './types.js';
import { assertSegmentRule, type SegmentResolver } from './validate.js';

/** Options of compileSegment. */
export interface CompileSegmentOptions {
  /** Placeholders start at `$paramOffset+1`, so callers can put their own parameters first. Default 0. */
  paramOffset?: number;
  /** The instant "now" means (tests, time travel, a workflow's time). Default: the database's now(). */
  now?: Date;
  /** Looks up another segment's stored rule by key, for `{ "segment": key }` references. */
  resolve?: SegmentResolver;
  /** The key of the segment being compiled, so that a reference back to it is reported as a cycle. */
  key?: string;
}

/** A boolean SQL expression over `customers c` and its parameters. */
export interface CompiledSegment {
  sql: string;
  params: unknown[];
}

/** Compiles a rule; throws EngineError (a code of SEGMENT_ERROR_CODES) when it or a referenced rule is invalid. */
export function compileSegment(rule: SegmentRule, options: CompileSegmentOptions = {}): CompiledSegment {
  const compiler = new RuleCompiler(options);
  const sql = compiler.rule(assertSegmentRule(rule));
  return { sql, params: compiler.ctx.params.values };
}

/** Walks a validated rule, emitting SQL; shared by compileSegment and compileSegmentExplain. */
export class RuleCompiler {
  readonly ctx: SqlContext;
  private readonly stack: string[];

  constructor(private readonly options: CompileSegmentOptions) {
    const params = new SqlParams(options.paramOffset ?? 0);
    let now: string | undefined;
    // The instant becomes a parameter only when used: PostgreSQL refuses parameters it cannot type.
    const at = options.now;
    this.ctx = {
      params,
      get now() {
        now ??= at ? params.add(at.toISOString(), 'timestamptz') : 'now()';
        return now;
      },
    };
    this.stack = options.key === undefined ? [] : [options.key];
  }

  /** SQL for any rule. */
  rule(rule: SegmentRule): string {
    if ('and' in rule) return `(${rule.and.map((child) => this.rule(child)).join(' AND ')})`;
    if ('or' in rule) return `(${rule.or.map((child) => this.rule(child)).join(' OR ')})`;
    if ('not' in rule) return `(NOT ${this.rule(rule.not)})`;
    return this.leaf(rule);
  }

  /** SQL for a trait, event or segment rule; never NULL, so `not` and explanations stay two-valued. */
  leaf(rule: SegmentRule): string {
    if ('segment' in rule) return this.reference(rule.segment);
    if ('trait' in rule) return `COALESCE(${compileComparison(this.ctx, 'c.traits', rule.trait, rule)}, false)`;
    if ('event' in rule) return compileEventRule(this.ctx, rule);
    throw new EngineError('invalid_rule', 'Not a trait, event or segment rule');
  }

  /** SQL (jsonb) for what the customer holds against a leaf: the trait's value, the event count or time; null for a segment reference. */
  found(rule: SegmentRule): string {
    if ('trait' in rule) return `(c.traits #> ${this.ctx.params.add(rule.trait.split('.'), 'text[]')})`;
    if ('event' in rule) return compileEventFound(this.ctx, rule);
    return 'NULL::jsonb';
  }

  private reference(key: string): string {
    if (this.stack.includes(key)) {
      throw new EngineError('segment_cycle', `Segments refer to each other in a loop: ${[...this.stack, key].join(' -> ')}`);
    }
    const target = this.options.resolve?.(key);
    if (target === undefined) throw new EngineError('unknown_segment', `There is no segment "${key}"`);
    const rule = assertSegmentRule(target, `Segment "${key}" is invalid: `);
    this.stack.push(key);
    try {
      return this.rule(rule);
    } finally {
      this.stack.pop();
    }
  }
}
