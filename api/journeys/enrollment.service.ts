/**
 * Enrollment as the API sees it: the framework-free core (core/enrollment.ts), provided to Nest by
 * journeys.module.ts with the API's DataSource, Temporal client and run defaults.
 */
export { EnrollmentService, type EnrollRequest, type EnrollResult } from '../../core/enrollment.js';
