/** Every migration, in order. Schema changes happen only here (`synchronize` stays off). */
import { Runtime1764115200000 } from './1764115200000-runtime.js';
import { DeliveryStatus1795660800000 } from './1795660800000-delivery-status.js';
import { CrmTasks1796256000000 } from './1796256000000-crm-tasks.js';
import { SendPolicy1796300000000 } from './1796300000000-send-policy.js';
import { Access1796400000000 } from './1796400000000-access.js';
import { JourneyLifecycle1796500000000 } from './1796500000000-journey-lifecycle.js';
import { Segments1796600000000 } from './1796600000000-segments.js';
import { SegmentRuns1796700000000 } from './1796700000000-segment-runs.js';
import { Monitoring1796800000000 } from './1796800000000-monitoring.js';
import { EndedCurrentNode1796900000000 } from './1796900000000-ended-current-node.js';
import { DurableOperations1797000000000 } from './1797000000000-durable-operations.js';
import { EventOutbox1797050000000 } from './1797050000000-event-outbox.js';
import { ConditionLanguage1797100000000 } from './1797100000000-condition-language.js';
import { Backtests1797400000000 } from './1797400000000-backtests.js';
import { HistoryAnswers1797500000000 } from './1797500000000-history-answers.js';
import { QuietHoursDeferrals1797800000000 } from './1797800000000-quiet-hours-deferrals.js';
import { Identities1797900000000 } from './1797900000000-identities.js';
import { ProviderTemplates1798000000000 } from './1798000000000-provider-templates.js';
import { JpushCids1798100000000 } from './1798100000000-jpush-cids.js';

export const MIGRATIONS = [
  Runtime1764115200000,
  DeliveryStatus1795660800000,
  CrmTasks1796256000000,
  SendPolicy1796300000000,
  Access1796400000000,
  JourneyLifecycle1796500000000,
  Segments1796600000000,
  SegmentRuns1796700000000,
  Monitoring1796800000000,
  EndedCurrentNode1796900000000,
  DurableOperations1797000000000,
  EventOutbox1797050000000,
  ConditionLanguage1797100000000,
  Backtests1797400000000,
  HistoryAnswers1797500000000,
  QuietHoursDeferrals1797800000000,
  Identities1797900000000,
  ProviderTemplates1798000000000,
  JpushCids1798100000000,
];
