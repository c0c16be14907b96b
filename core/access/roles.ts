/**
 * Who may do what. Every route declares the roles it admits (admin is always admitted) or that it is
 * public; the guard refuses a route that declares neither, so a new route is closed until classified.
 */
export const ROLES = ['admin', 'marketer', 'engineer', 'support', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What each role is for, as the API documentation and `GET /v1/api-keys/roles` describe it. */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'everything, including API key management',
  marketer: 'journeys and segments: author, publish, lifecycle; monitoring',
  engineer: 'event ingestion, customer profiles, API-triggered entry, channel settings and operations',
  support: 'customer history and monitoring; exit a customer from a journey; CRM work list',
  viewer: 'read only',
};

/** Who made a request: the API key's id, name and role (what the audit log records). */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

/** The access rule of one route: the roles admitted besides admin, or `public` (no key needed). */
export type Access = readonly Role[] | 'public';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function admits(access: Access, role: Role): boolean {
  return access === 'public' || role === 'admin' || access.includes(role);
}
