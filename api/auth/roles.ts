/** Roles and principals as the API guards and documents them: the framework-free core (core/access/roles.ts). */
export * from '../../core/access/roles.js';
