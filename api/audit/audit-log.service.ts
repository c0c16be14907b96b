/** The audit log as the API provides it: the framework-free core (core/access/audit-log.ts). */
export * from '../../core/access/audit-log.js';
