import { expectStatus, expectThat, resultOf, type ConformanceCase } from '../case';
import { SOURCES } from './sources';

type Meta = Record<string, string>;

/** Metadata fields the Attachment API documents for an attachment. */
const METADATA_FIELDS = ['sys_id', 'file_name', 'table_name', 'table_sys_id', 'content_type', 'size_bytes', 'download_link', 'hash', 'sys_created_on', 'sys_created_by'];

export const ATTACHMENT_API_CASES: readonly ConformanceCase[] = [
  {
    name: 'Attachment API: upload a file, read its metadata and bytes, list it, delete it',
    source: SOURCES.attachmentApi,
    async run({ client, marker, cleanup, createIncident }) {
      const incident = await createIncident();
      const content = Buffer.from(`${marker} attachment body\n`);
      const res = await client.request('POST', '/api/now/attachment/file', {
        body: content,
        headers: { 'content-type': 'text/plain' },
        query: { table_name: 'incident', table_sys_id: String(incident.sys_id), file_name: `${marker}.txt` },
      });
      expectStatus(res, 201, 'POST /api/now/attachment/file');
      const meta = resultOf<Meta>(res);
      cleanup(() => client.request('DELETE', `/api/now/attachment/${meta.sys_id}`));
      for (const field of METADATA_FIELDS) expectThat(field in meta, `attachment metadata should have ${field}`);
      expectThat(meta.size_bytes === String(content.length), `size_bytes should be ${content.length}, got ${meta.size_bytes}`);
      expectThat(meta.content_type === 'text/plain', `content_type should be text/plain, got ${meta.content_type}`);
      expectThat(meta.table_sys_id === incident.sys_id, 'table_sys_id should be the incident');

      const file = await client.request('GET', `/api/now/attachment/${meta.sys_id}/file`, { headers: { accept: '*/*' } });
      expectStatus(file, 200, 'GET …/file');
      expectThat(file.body.equals(content), 'the bytes read back should be the bytes uploaded');
      expectThat((file.headers.get('content-type') ?? '').startsWith('text/plain'), `…/file Content-Type should be text/plain, got ${file.headers.get('content-type')}`);

      const single = await client.request('GET', `/api/now/attachment/${meta.sys_id}`);
      expectThat(resultOf<Meta>(single).file_name === `${marker}.txt`, 'GET /attachment/{sys_id} should give the metadata');

      const listed = await client.request('GET', '/api/now/attachment', { query: { sysparm_query: `table_sys_id=${String(incident.sys_id)}` } });
      expectStatus(listed, 200, 'GET /api/now/attachment');
      expectThat(resultOf<Meta[]>(listed).some((m) => m.sys_id === meta.sys_id), 'the list should hold the attachment');

      const removed = await client.request('DELETE', `/api/now/attachment/${meta.sys_id}`);
      expectStatus(removed, 204, 'DELETE /api/now/attachment/{sys_id}');
      const gone = await client.request('GET', `/api/now/attachment/${meta.sys_id}`);
      expectStatus(gone, 404, 'GET a deleted attachment');
    },
  },
  {
    name: 'Attachment API: multipart upload',
    source: SOURCES.attachmentApi,
    async run({ client, marker, cleanup, createIncident }) {
      const incident = await createIncident();
      const form = new FormData();
      form.append('table_name', 'incident');
      form.append('table_sys_id', String(incident.sys_id));
      form.append('uploadFile', new Blob([`${marker} multipart`], { type: 'text/plain' }), `${marker}-upload.txt`);
      const request = new Request(`${client.baseUrl}/api/now/attachment/upload`, { method: 'POST', body: form });
      const body = Buffer.from(await request.arrayBuffer());
      const res = await client.request('POST', '/api/now/attachment/upload', {
        body,
        headers: { 'content-type': request.headers.get('content-type') ?? '' },
      });
      expectStatus(res, 201, 'POST /api/now/attachment/upload');
      const meta = resultOf<Meta>(res);
      cleanup(() => client.request('DELETE', `/api/now/attachment/${meta.sys_id}`));
      expectThat(meta.file_name === `${marker}-upload.txt`, `file_name should be the part's file name, got ${meta.file_name}`);
      expectThat(meta.table_name === 'incident' && meta.table_sys_id === incident.sys_id, 'the attachment should belong to the incident');
    },
  },
];
