import { randomBytes } from 'node:crypto';
import { USERS } from '../../helpers/instance';
import { API_KEY, startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';
import type { IncidentView, TimelineUpdateView } from '../../../src/companion/server/incident-view';
import { parseMapping } from '../../../src/companion/sync/mapping';

/**
 * Files attached in ServiceNow, end to end: the local instance runs the app's real build (its rule on
 * sys_attachment pushes incident.attachment), the companion fetches the file through the service
 * account with the Attachment API over real HTTP, lists it on the timeline and serves stored images.
 */

const MAX_BYTES = 64 * 1024;
let f: SyncFixture;

beforeAll(async () => {
  f = await startRealtimeFixture({ companion: { mapping: parseMapping({ attachments: { maxBytes: MAX_BYTES } }) } });
});
afterAll(async () => {
  await f?.close();
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (size: number) => Buffer.concat([PNG_SIGNATURE, randomBytes(size - PNG_SIGNATURE.length)]);

async function attach(sysId: string, fileName: string, bytes: Buffer, contentType: string): Promise<string> {
  const res = await f.sn.request('POST', '/api/now/attachment/file', {
    auth: USERS.itil,
    body: bytes,
    headers: { 'content-type': contentType },
    query: { table_name: 'incident', table_sys_id: sysId, file_name: fileName },
  });
  expect(res.status).toBe(201);
  return (res.json as { result: { sys_id: string } }).result.sys_id;
}

async function timelineEntry(incidentId: string, attachmentSysId: string): Promise<TimelineUpdateView> {
  return waitFor(
    async () => (await f.incident(incidentId)).updates?.find((u) => u.kind === 'attachment' && u.attachment?.servicenow_sys_id === attachmentSysId),
    { message: `attachment ${attachmentSysId} on the timeline` },
  );
}

async function download(path: string, withKey = true): Promise<{ status: number; type: string | null; bytes: Buffer; body: string }> {
  const res = await fetch(`${f.companion.url}${path}`, { headers: withKey ? { authorization: `Bearer ${API_KEY}` } : {} });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), bytes, body: bytes.toString('utf8') };
}

/** How many times the companion asked the Attachment API for a file's bytes, and for its metadata. */
async function attachmentCalls(): Promise<{ file: number; metadata: number }> {
  const calls = await f.calls();
  return { file: calls['GET /api/now/attachment/{sys_id}/file 200'] ?? 0, metadata: calls['GET /api/now/attachment/{sys_id} 200'] ?? 0 };
}

describe('attachments from ServiceNow', () => {
  let incident: IncidentView;
  let sysId: string;
  beforeAll(async () => {
    const declared = await f.declare({ name: 'Checkout graphs', severity: 'minor' });
    incident = await f.synced(declared.id);
    sysId = incident.servicenow!.sys_id;
  });

  it('an image attached in ServiceNow shows on the timeline (name, size, author, time) and its bytes come back byte for byte', async () => {
    const bytes = png(5_000);
    const attachmentSysId = await attach(sysId, 'latency.png', bytes, 'image/png');
    const entry = await timelineEntry(incident.id, attachmentSysId);
    expect(entry).toMatchObject({ source: 'servicenow', kind: 'attachment', author: 'itil.user' });
    expect(entry.message).toBe('Attached latency.png (4.9 KB)');
    expect(entry.attachment).toMatchObject({ file_name: 'latency.png', size_bytes: 5_000, author: 'itil.user', status: 'stored', content_type: 'image/png', reason: null });
    expect(Date.parse(entry.occurred_at)).not.toBeNaN();
    expect(entry.attachment!.servicenow_url).toBe(`${f.connection.instanceUrl}/api/now/attachment/${attachmentSysId}/file`);

    const served = await download(entry.attachment!.url!);
    expect(served.status).toBe(200);
    expect(served.type).toBe('image/png');
    expect(served.bytes.equals(bytes)).toBe(true);
    // The ServiceNow sys_id names it too; the API key rules are the other routes'.
    expect((await download(`/api/incidents/${incident.id}/attachments/${attachmentSysId}`)).bytes.equals(bytes)).toBe(true);
    expect((await download(entry.attachment!.url!, false)).status).toBe(401);
    expect((await download(`/api/incidents/${incident.id}/attachments/${'0'.repeat(32)}`)).status).toBe(404);
  });

  it('a file over the size limit is listed with the reason, and its bytes are never fetched', async () => {
    const before = await attachmentCalls();
    const attachmentSysId = await attach(sysId, 'heap-dump.png', png(MAX_BYTES + 1), 'image/png');
    const entry = await timelineEntry(incident.id, attachmentSysId);
    expect(entry.attachment).toMatchObject({ file_name: 'heap-dump.png', size_bytes: MAX_BYTES + 1, status: 'too_large', url: null, content_type: null });
    expect(entry.attachment!.reason).toMatch(/larger than the 0\.06 MB limit \(attachments\.maxBytes\)/);
    expect(entry.message).toMatch(/^Attached heap-dump\.png \(64\.0 KB\): larger than/);
    const after = await attachmentCalls();
    expect(after.file).toBe(before.file);
    expect(after.metadata).toBe(before.metadata + 1);
    const served = await download(`/api/incidents/${incident.id}/attachments/${entry.attachment!.id}`);
    expect(served.status).toBe(404);
    expect(JSON.parse(served.body)).toMatchObject({ error: { code: 'attachment_not_served' } });
  });

  it('a file named .png whose bytes are no image is listed with a link, never served as an image', async () => {
    const attachmentSysId = await attach(sysId, 'screenshot.png', Buffer.from('<script>alert(1)</script>'), 'image/png');
    const entry = await timelineEntry(incident.id, attachmentSysId);
    expect(entry.attachment).toMatchObject({ file_name: 'screenshot.png', status: 'not_image', url: null, content_type: null, size_bytes: 25 });
    expect(entry.attachment!.servicenow_url).toContain(attachmentSysId);
    const served = await download(`/api/incidents/${incident.id}/attachments/${attachmentSysId}`);
    expect(served.status).toBe(404);
    expect(served.type).toMatch(/^application\/json/);
  });

  it('through the sync queue, nothing is fetched twice or lost: each file once on the timeline, each fetched at most once', async () => {
    const view = await f.incident(incident.id);
    const files = view.updates!.filter((u) => u.kind === 'attachment').map((u) => u.attachment!.file_name);
    expect(files.sort()).toEqual(['heap-dump.png', 'latency.png', 'screenshot.png']);
    const events = await f.companion.store.sync.inbound.listForIncident(f.connection.id, sysId);
    const attachmentEvents = events.filter((e) => e.type === 'incident.attachment');
    expect(attachmentEvents.map((e) => e.state)).toEqual(['done', 'done', 'done']);
    expect(await attachmentCalls()).toEqual({ file: 2, metadata: 3 });
  });
});
