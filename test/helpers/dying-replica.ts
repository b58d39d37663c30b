import type { IncidentValues } from '../../src/companion/store/sync-store';
import type { SyncFixture } from './sync-fixture';

/**
 * incident.io changed one field five seconds ago; a replica (on another host) claimed its write, read
 * the record and kept what it sends and the version it decided on (as the product does before a
 * send). The caller makes the write land, or not, and kills nothing: the replica is already gone.
 * Returns the write's id.
 */
export async function sentByReplicaThatDies(
  f: SyncFixture,
  incidentId: string,
  replica: string,
  change: Partial<Pick<IncidentValues, 'name' | 'severity'>>,
): Promise<string> {
  const store = f.companion.store.sync;
  const link = (await store.incidents.getLink(incidentId))!;
  const changedAt = new Date(Date.now() - 5_000);
  return store.transaction(async (tx) => {
    const incident = (await tx.incidents.getIncident(incidentId))!;
    await tx.incidents.updateIncident(incident.id, incident.version, change, changedAt);
    const basis = { serviceNowModCount: link.lastAppliedModCount, incidentVersion: incident.version + 1 };
    const fields = Object.fromEntries(Object.entries(change).map(([key, value]) => [key, { value, changedAt: changedAt.toISOString(), basis }]));
    const op = await tx.outbound.enqueue({ incidentId: incident.id, connectionId: f.connection.id, kind: 'update', payload: { fields }, createdAt: changedAt });
    await tx.owners.register({ id: replica, host: 'another-host', pid: 1, startedAt: changedAt });
    const claimed = await tx.outbound.claim({ owner: replica, now: new Date(), leaseMs: 120_000, onlyConnection: f.connection.id });
    if (claimed?.id !== op.id) throw new Error(`the dying replica claimed ${claimed?.id ?? 'nothing'}, not the write ${op.id}`);
    if (!(await tx.outbound.replaceClaimedPayload(op.id, replica, { fields, lastAttempt: { decidedOn: link.lastAppliedModCount, fields } }, new Date()))) {
      throw new Error(`the dying replica lost its claim of ${op.id}`);
    }
    return op.id;
  });
}
