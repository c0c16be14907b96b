/**
 * A validation check the compiler cannot make alone: a trait compared with a value of another type
 * (engine/trait-types.ts). A trait's type is its documented one when the engine reads it itself, else
 * the one observed on stored profiles: when every sampled profile that has the trait holds the same
 * JSON type. A warning, never an error: profiles may change, and a new trait has no type yet.
 */
import type { DocumentIssue } from '../../engine/errors.js';
import { DOCUMENTED_TRAIT_TYPES, traitComparisons, traitTypeWarnings, type JsonType, type TraitType } from '../../engine/trait-types.js';
import type { Queryable } from '../../store/queryable.js';
import { TraitTypesRepository } from '../../store/trait-types.repository.js';

/** How many profiles that have a trait are sampled to observe its type. */
export const TRAIT_TYPE_SAMPLE = 1000;

/** `trait_type_mismatch` warnings for the canvas's trait comparisons. */
export async function traitTypeIssues(db: Queryable, canvas: unknown): Promise<DocumentIssue[]> {
  const comparisons = traitComparisons(canvas);
  if (comparisons.length === 0) return [];
  const traits = [...new Set(comparisons.map((c) => c.trait))];
  const types = new Map<string, TraitType>();
  const undocumented = traits.filter((t) => {
    const documented = DOCUMENTED_TRAIT_TYPES[t];
    if (documented) types.set(t, { type: documented, source: 'documented' });
    return !documented;
  });
  const observed = await new TraitTypesRepository(db).observed(undocumented, TRAIT_TYPE_SAMPLE);
  for (const trait of undocumented) {
    const rows = observed.filter((r) => r.trait === trait);
    // Mixed types (or none seen): nothing can be said.
    if (rows.length === 1) types.set(trait, { type: rows[0].type as JsonType, source: 'observed', profiles: rows[0].profiles });
  }
  return traitTypeWarnings(comparisons, types);
}
