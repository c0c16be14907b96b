/** Messages a running enrollment understands; the ingestion service and the API send them by these definitions. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CustomerEvent } from '../engine/runtime.js';

/** A customer event a run watches (goal, exit criteria, wait for event). */
export const customerEventSignal = defineSignal<[CustomerEvent]>('customerEvent');

/** Ends the run now with the given reason (support staff, journey stop). */
export const exitEnrollmentSignal = defineSignal<[{ reason: string; requestedBy?: string }]>('exitEnrollment');

/** Where the run is: current node, wait deadline and the path so far. */
export interface EnrollmentState {
  nodeId: string;
  waitingUntil: number | null;
  path: string[];
  ended: boolean;
}

export const enrollmentStateQuery = defineQuery<EnrollmentState>('enrollmentState');
