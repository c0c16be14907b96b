/**
 * What a key's role may call, read from the API's own OpenAPI document (generated/access.json,
 * written from each route's @Endpoint access rule). The API still enforces it; the console only
 * hides what would be refused.
 */
import access from './generated/access.json';

export type Role = 'admin' | 'marketer' | 'engineer' | 'support' | 'viewer';

const table = access as Record<string, string[]>;

/** True when `role` may call `METHOD /path` (the path as in the OpenAPI document, e.g. /v1/journeys/{journeyId}). */
export function may(role: Role | undefined, operation: string): boolean {
  const roles = table[operation];
  if (!roles) throw new Error(`unknown operation ${operation}: regenerate src/api/generated (npm run console:api)`);
  return role !== undefined && (roles.includes('public') || roles.includes(role));
}
