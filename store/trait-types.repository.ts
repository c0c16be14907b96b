/** The JSON types of traits as stored on customer profiles (`customers.traits`), from a bounded sample. */
import type { Queryable } from './queryable.js';

/** How many sampled profiles have the trait with one JSON type. */
export interface ObservedTraitType {
  trait: string;
  type: string;
  profiles: number;
}

export class TraitTypesRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * For each trait (dot path), the JSON types of its non-null values on at most `sample` profiles that
   * have it, with their counts. One statement; each trait's sample stops at `sample` rows.
   */
  async observed(traits: string[], sample: number, tx: Queryable = this.db): Promise<ObservedTraitType[]> {
    if (traits.length === 0) return [];
    return tx.query(
      `SELECT p.trait, s.type, count(*)::int AS profiles
         FROM unnest($1::text[]) AS p(trait)
         CROSS JOIN LATERAL (
           SELECT jsonb_typeof(c.traits #> string_to_array(p.trait, '.')) AS type
             FROM customers c
            WHERE jsonb_typeof(c.traits #> string_to_array(p.trait, '.')) <> 'null'
            LIMIT $2) s
        GROUP BY 1, 2`,
      [traits, sample],
    );
  }
}
