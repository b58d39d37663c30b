import '@servicenow/sdk/global';
import { DateTimeColumn, StringColumn, Table } from '@servicenow/sdk/core';

/**
 * The delivery lock: at most one row, named `delivery`, held by the one worker sending pushes (the
 * async rule's run or the scheduled job). The unique index on `name` is the lock: the platform
 * refuses a second row with the same name, so of two workers inserting at once one gets it
 * (src/server/lib/delivery-lock.ts). A row older than the stale time (2 × request timeout + 60 s) is
 * a dead worker's, taken over by the next. Only the app's scripts write it; app admins may look.
 */
export const x_incident_io_delivery_lock = Table({
  name: 'x_incident_io_delivery_lock',
  label: 'incident.io Delivery Lock',
  display: 'name',
  allowWebServiceAccess: false,
  actions: ['read'],
  accessibleFrom: 'package_private',
  index: [{ name: 'x_incident_io_delivery_lock_name', unique: true, element: 'name' }],
  schema: {
    name: StringColumn({ label: 'Name', maxLength: 40, mandatory: true }),
    held_since: DateTimeColumn({ label: 'Held since', mandatory: true }),
  },
});
