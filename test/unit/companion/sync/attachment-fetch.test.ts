import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceNowConnection } from '../../../../src/companion/client/connection';
import { fetchAttachment, imageTypeOf } from '../../../../src/companion/sync/attachment-fetch';

/**
 * The attachment fetch against a real HTTP server on port 0 that answers like the Attachment API,
 * including one whose metadata understates the size: the download stops at the limit.
 */

const SYS_ID = 'a'.repeat(32);
const INCIDENT = 'b'.repeat(32);

describe('imageTypeOf', () => {
  it.each([
    ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]],
    ['image/jpeg', [0xff, 0xd8, 0xff, 0xe0]],
    ['image/gif', [...Buffer.from('GIF89a'), 1]],
    ['image/gif', [...Buffer.from('GIF87a')]],
    ['image/webp', [...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBP')]],
  ])('recognises %s by its bytes', (type, bytes) => {
    expect(imageTypeOf(Buffer.from(bytes))).toBe(type);
  });

  it.each([[''], ['<svg xmlns="http://www.w3.org/2000/svg"/>'], ['%PDF-1.7'], ['RIFF1234WAVE'], ['\x89PNG']])('refuses %j', (text) => {
    expect(imageTypeOf(Buffer.from(text, 'latin1'))).toBeNull();
  });
});

describe('fetchAttachment', () => {
  let server: http.Server;
  let conn: ServiceNowConnection;
  let bodyBytes: number;
  let declaredSize: number;
  let sent: number;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === `/api/now/attachment/${SYS_ID}`) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ result: { file_name: 'big.png', content_type: 'image/png', size_bytes: String(declaredSize), sys_created_by: 'alice', sys_created_on: '2026-01-15 12:00:00', table_sys_id: INCIDENT } }));
        return;
      }
      if (req.url === `/api/now/attachment/${SYS_ID}/file`) {
        res.setHeader('content-type', 'image/png');
        const chunk = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(1016)]);
        // Written chunk by chunk, so a reader that stops early leaves most of it unsent.
        let left = bodyBytes;
        const write = (): void => {
          while (left > 0) {
            const piece = chunk.subarray(0, Math.min(left, chunk.length));
            left -= piece.length;
            sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', write);
          }
          res.end();
        };
        res.on('close', () => (left = 0));
        write();
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: 'No Record found', detail: 'Record does not exist' }, status: 'failure' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    conn = new ServiceNowConnection({ instance: `http://127.0.0.1:${port}`, credentials: { kind: 'basic', username: 'svc', password: 'p' }, retry: { maxAttempts: 1 } });
  });
  afterAll(async () => {
    await conn.close();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    sent = 0;
  });

  it('stores an image within the limit, with its metadata', async () => {
    bodyBytes = declaredSize = 4096;
    const fetched = await fetchAttachment(conn, SYS_ID, INCIDENT, 10_000);
    expect(fetched).toMatchObject({ status: 'stored', contentType: 'image/png', fileName: 'big.png', sizeBytes: 4096, author: 'alice', createdAt: '2026-01-15T12:00:00Z' });
    expect(fetched.data!.length).toBe(4096);
  });

  it('never downloads a file whose metadata says it is over the limit', async () => {
    bodyBytes = declaredSize = 50_000;
    const fetched = await fetchAttachment(conn, SYS_ID, INCIDENT, 10_000);
    expect(fetched).toMatchObject({ status: 'too_large', data: null, sizeBytes: 50_000 });
    expect(sent).toBe(0);
  });

  it('stops reading past the limit when the metadata understates the size', async () => {
    declaredSize = 1_000;
    bodyBytes = 50 * 1024 * 1024;
    const fetched = await fetchAttachment(conn, SYS_ID, INCIDENT, 10_000);
    expect(fetched).toMatchObject({ status: 'too_large', data: null });
    expect(sent).toBeLessThan(bodyBytes);
  });

  it('reports a file that is gone or attached elsewhere as gone, without downloading it', async () => {
    expect(await fetchAttachment(conn, 'c'.repeat(32), INCIDENT, 10_000)).toMatchObject({ status: 'gone', data: null });
    bodyBytes = declaredSize = 10;
    expect(await fetchAttachment(conn, SYS_ID, 'd'.repeat(32), 10_000)).toMatchObject({ status: 'gone', reason: 'no longer attached to this incident' });
    expect(sent).toBe(0);
  });
});
