import { randomBytes } from 'node:crypto';
import { USERS } from '../../helpers/instance';
import { API_KEY, startPollingFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';
import { parseMapping } from '../../../src/companion/sync/mapping';

/**
 * Attachments without the app (a polling connection): the companion lists incident attachments
 * with the Attachment API every poll, over the overlap window, and stores each file once.
 */

let f: SyncFixture;

beforeAll(async () => {
  f = await startPollingFixture({ companion: { pollIntervalMs: 100, mapping: parseMapping({}), sync: { pollOverlapMs: 30_000 } } });
});
afterAll(async () => {
  await f?.close();
});

it('an image attached in ServiceNow is polled, shown on the timeline and served byte for byte, once however often it is read', async () => {
  const declared = await f.declare({ name: 'Polling: attachments', severity: 'minor' });
  const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
  const bytes = Buffer.concat([Buffer.from('GIF89a'), randomBytes(2_000)]);
  const res = await f.sn.request('POST', '/api/now/attachment/file', {
    auth: USERS.itil,
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
    query: { table_name: 'incident', table_sys_id: sysId, file_name: 'trace.gif' },
  });
  expect(res.status).toBe(201);
  const entry = await waitFor(async () => (await f.incident(declared.id)).updates?.find((u) => u.kind === 'attachment'), { message: 'the polled attachment on the timeline' });
  expect(entry.attachment).toMatchObject({ file_name: 'trace.gif', size_bytes: 2_006, author: USERS.itil.user, status: 'stored', content_type: 'image/gif' });
  const served = await fetch(`${f.companion.url}${entry.attachment!.url}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  expect(served.headers.get('content-type')).toBe('image/gif');
  expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);

  // More poll runs read it again inside the overlap window: stored once, fetched once.
  let last = Date.now();
  for (let i = 0; i < 3; i++) {
    last = await waitFor(
      async () => {
        const at = (await f.companion.store.sync.cursors.get(f.connection.id, 'attachment'))?.lastRunAt?.getTime() ?? 0;
        return at > last ? at : undefined;
      },
      { message: 'an attachment poll run' },
    );
  }
  const events = (await f.companion.store.sync.inbound.listForIncident(f.connection.id, sysId)).filter((e) => e.type === 'incident.attachment');
  expect(events.map((e) => [e.source, e.state])).toEqual([['poll', 'done']]);
  expect((await f.calls())['GET /api/now/attachment/{sys_id}/file 200']).toBe(1);
  expect((await f.incident(declared.id)).updates!.filter((u) => u.kind === 'attachment')).toHaveLength(1);
});
