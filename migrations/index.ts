/** Every migration, in order. Schema changes happen only here (`synchronize` stays off). */
import { Runtime1764115200000 } from './1764115200000-runtime.js';
import { DeliveryStatus1795660800000 } from './1795660800000-delivery-status.js';
import { CrmTasks1796256000000 } from './1796256000000-crm-tasks.js';
import { SendPolicy1796300000000 } from './1796300000000-send-policy.js';

export const MIGRATIONS = [Runtime1764115200000, DeliveryStatus1795660800000, CrmTasks1796256000000, SendPolicy1796300000000];
