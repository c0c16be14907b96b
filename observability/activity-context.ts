/** Run ids of the activity being executed, for log lines; empty outside an activity (tests calling activities directly). */
import { Context } from '@temporalio/activity';
import type { LogFields } from './logger.js';

export function activityFields(): LogFields {
  try {
    const info = Context.current().info;
    return { workflowId: info.workflowExecution?.workflowId, activity: info.activityType, attempt: info.attempt };
  } catch {
    return {};
  }
}
