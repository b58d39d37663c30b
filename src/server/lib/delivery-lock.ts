import { DELIVERY_LOCK_NAME, LOCK_TABLE } from './constants.ts';
import type { GlideRecordFactory, GlideRecordLike } from './glide-interfaces.ts';

/**
 * The delivery lock: one row in LOCK_TABLE, whose `name` has a unique index, so the platform refuses
 * a second row with the same name ("Require unique values for a field": the system will not let two
 * records have the same value) and `insert()` returns null (GlideRecord - Scoped, insert). Taking the
 * lock is that insert; letting it go deletes the row. A check and then a mark (as an event's
 * `sending` state) are two steps that two workers can both pass; one insert against a unique index
 * is one step the database decides.
 */
export interface DeliveryLock {
  /** The lock's row, if there is one: its sys_id and when its holder took (or last renewed) it. */
  holder(): { sysId: string; heldSince: string } | null;
  /** Inserts the lock's row with `now`; its sys_id, or null when the row exists (another holder). */
  take(now: string): string | null;
  /** Moves the row's time to `now` (a long run is not presumed abandoned); false when it is gone. */
  renew(sysId: string, now: string): boolean;
  /** Deletes the row with this sys_id; false when it is already gone (a worker took it over). */
  remove(sysId: string): boolean;
}

const LOCK_FIELD = { name: 'name', heldSince: 'held_since' } as const;

export function glideDeliveryLock(newRecord: GlideRecordFactory): DeliveryLock {
  // The row the last take() inserted: remove() of it needs no read. renew() always reads the row
  // first: update() inserts a record that no longer exists (GlideRecord - Scoped, update).
  let taken: GlideRecordLike | null = null;

  return {
    holder() {
      const gr = newRecord(LOCK_TABLE);
      gr.addQuery(LOCK_FIELD.name, DELIVERY_LOCK_NAME);
      gr.setLimit(1);
      gr.query();
      if (!gr.next()) return null;
      return { sysId: gr.getUniqueValue(), heldSince: gr.getValue(LOCK_FIELD.heldSince) || '' };
    },

    take(now) {
      const gr = newRecord(LOCK_TABLE);
      gr.initialize();
      gr.setValue(LOCK_FIELD.name, DELIVERY_LOCK_NAME);
      gr.setValue(LOCK_FIELD.heldSince, now);
      const sysId = gr.insert();
      taken = sysId ? gr : null;
      return sysId || null;
    },

    renew(sysId, now) {
      const gr = newRecord(LOCK_TABLE);
      if (!gr.get(sysId)) return false;
      gr.setValue(LOCK_FIELD.heldSince, now);
      return !!gr.update();
    },

    remove(sysId) {
      let gr = taken !== null && taken.getUniqueValue() === sysId ? taken : null;
      taken = null;
      if (gr === null) {
        gr = newRecord(LOCK_TABLE);
        if (!gr.get(sysId)) return false;
      }
      return gr.deleteRecord();
    },
  };
}
