import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncidentAttachment } from '../../../../src/companion/store/attachment-store';
import { openTestStore, STORE_BACKENDS, type TestStore } from '../../../helpers/store-backends';

/** Migration 0013's sync_attachments over a real SQLite file and a real PostgreSQL database: bytes kept exactly, each file once. */

describe.each(STORE_BACKENDS)('attachments on %s', (backend) => {
  let dir: string;
  let store: TestStore;
  const T0 = new Date('2026-01-01T10:00:00.000Z');

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-attachments-'));
    store = await openTestStore(backend, { dir });
    await store.sync.incidents.insertIncident({
      id: 'inc-1',
      referenceNumber: await store.sync.incidents.nextReferenceNumber(),
      connectionId: null,
      name: 'inc-1',
      summary: '',
      status: 'triage',
      severity: 'minor',
      lead: null,
      createdAt: T0,
      updatedAt: T0,
    });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const attachment = (id: string, sysId: string, values: Partial<IncidentAttachment> = {}): IncidentAttachment => ({
    id,
    incidentId: 'inc-1',
    attachmentSysId: sysId,
    fileName: 'graph.png',
    declaredType: 'image/png',
    contentType: 'image/png',
    sizeBytes: 256,
    author: 'alice',
    status: 'stored',
    reason: null,
    link: `https://acme.service-now.com/api/now/attachment/${sysId}/file`,
    occurredAt: T0,
    createdAt: T0,
    ...values,
  });

  it('keeps every byte value exactly, once per (incident, attachment); lists metadata without the bytes', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(await store.sync.attachments.insert(attachment('a1', 'f'.repeat(32)), bytes)).toBe(true);
    expect(await store.sync.attachments.insert(attachment('a2', 'f'.repeat(32)), Buffer.from('other'))).toBe(false);
    const big = 3_000_000_000;
    expect(await store.sync.attachments.insert(attachment('a3', 'e'.repeat(32), { status: 'too_large', reason: 'larger than the limit', contentType: null, sizeBytes: big }), null)).toBe(true);

    const byId = await store.sync.attachments.get('inc-1', 'a1');
    expect(byId!.data!.equals(bytes)).toBe(true);
    expect((await store.sync.attachments.get('inc-1', 'f'.repeat(32)))!.attachment.id).toBe('a1');
    expect(await store.sync.attachments.get('inc-1', 'a2')).toBeUndefined();
    expect(await store.sync.attachments.has('inc-1', 'e'.repeat(32))).toBe(true);
    const listed = await store.sync.attachments.listForIncident('inc-1');
    expect(listed.map((a) => [a.id, a.status, a.sizeBytes, a.reason])).toEqual([
      ['a1', 'stored', 256, null],
      ['a3', 'too_large', big, 'larger than the limit'],
    ]);
    expect((await store.sync.attachments.get('inc-1', 'a3'))!.data).toBeNull();
  });
});
