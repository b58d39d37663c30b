import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../errors';
import { Attachments } from '../records/attachments';
import type { RecordSnapshot } from '../records/hooks';
import { requireSession } from './context';
import { describeInstanceError, NO_RECORD, sendError } from './errors';
import { responseFormat } from './formats';
import { baseUrlOf } from './table-api';

/**
 * The Attachment API under `/api/now/attachment` (and `/api/now/v1/attachment`):
 * - `POST /file?table_name=&table_sys_id=&file_name=`: the body is the file, its Content-Type is stored;
 * - `POST /upload`: multipart/form-data, fields `table_name` and `table_sys_id` before the file part;
 * - `GET ?sysparm_query=&sysparm_limit=&sysparm_offset=`: metadata of attachments;
 * - `GET /{sys_id}` metadata, `GET /{sys_id}/file` the bytes (with `X-Attachment-Metadata`);
 * - `DELETE /{sys_id}`: 204.
 * Access follows the record a file is attached to (see records/attachments.ts).
 */
export const ATTACHMENT_API_PREFIXES = ['/api/now/attachment', '/api/now/v1/attachment'] as const;

/** Largest file accepted (the platform's default, com.glide.attachment.max_size, is 1024 MB; kept smaller here). */
export const MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_LIMIT = 1000;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

type Query = Record<string, string | string[] | undefined>;
type AttachmentRequest = FastifyRequest<{ Params: { sys_id?: string }; Querystring: Query }>;

function param(query: Query, name: string): string {
  const v = query[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** The metadata object the API answers with: the record's fields as strings, plus download_link. */
export function attachmentMetadata(record: RecordSnapshot, baseUrl: string, prefix: string = ATTACHMENT_API_PREFIXES[0]): Record<string, string> {
  const v = record.values;
  const field = (name: string): string => v[name] ?? '';
  return {
    size_bytes: field('size_bytes'),
    file_name: field('file_name'),
    sys_mod_count: field('sys_mod_count'),
    average_image_color: field('average_image_color'),
    image_width: field('image_width'),
    sys_updated_on: field('sys_updated_on'),
    sys_tags: field('sys_tags'),
    table_name: field('table_name'),
    sys_id: record.sysId,
    image_height: field('image_height'),
    sys_updated_by: field('sys_updated_by'),
    download_link: `${baseUrl}${prefix}/${record.sysId}/file`,
    content_type: field('content_type'),
    sys_created_on: field('sys_created_on'),
    size_compressed: field('size_compressed'),
    compressed: field('compressed'),
    state: field('state'),
    table_sys_id: field('table_sys_id'),
    chunk_size_bytes: field('chunk_size_bytes'),
    hash: field('hash'),
    sys_created_by: field('sys_created_by'),
  };
}

function required(value: string, name: string): string {
  if (value.trim() === '') throw new InvalidRequestError(`Missing parameter: ${name}`, `Give ${name} (table_name, table_sys_id and file_name say where the file goes)`);
  return value;
}

function created(request: FastifyRequest, reply: FastifyReply, prefix: string, record: RecordSnapshot): void {
  reply.header('Location', `${baseUrlOf(request)}${prefix}/${record.sysId}`);
  reply.code(201).send({ result: attachmentMetadata(record, baseUrlOf(request), prefix) });
}

/** Registers the Attachment API. */
export async function registerAttachmentApi(app: FastifyInstance): Promise<void> {
  const attachmentsOf = (request: FastifyRequest): Attachments => new Attachments(request.server.instanceContext.engine);
  const guarded =
    (action: (request: AttachmentRequest, reply: FastifyReply, prefix: string) => Promise<void>, prefix: string, answersJson = true) =>
    async (request: AttachmentRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const session = await requireSession(request.server.instanceContext, request, reply);
      if (!session) return reply;
      try {
        if (answersJson) request.wantsXml = responseFormat(request) === 'xml';
        await action(request, reply, prefix);
      } catch (err) {
        const described = describeInstanceError(err);
        if (!described) throw err;
        sendError(reply, described.status, described.message, described.detail);
      }
      return reply;
    };

  const uploadFile = async (request: AttachmentRequest, reply: FastifyReply, prefix: string): Promise<void> => {
    const q = request.query;
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const record = attachmentsOf(request).attach(
      {
        tableName: required(param(q, 'table_name'), 'table_name'),
        tableSysId: required(param(q, 'table_sys_id'), 'table_sys_id'),
        fileName: required(param(q, 'file_name'), 'file_name'),
        contentType: String(request.headers['content-type'] ?? DEFAULT_CONTENT_TYPE),
        data: body,
      },
      request.instanceSession!,
    );
    created(request, reply, prefix, record);
  };

  const uploadMultipart = async (request: AttachmentRequest, reply: FastifyReply, prefix: string): Promise<void> => {
    if (!request.isMultipart()) throw new InvalidRequestError('Invalid request', 'Expected multipart/form-data: table_name, table_sys_id, then the file');
    const fields: Record<string, string> = {};
    let record: RecordSnapshot | null = null;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      const data = await part.toBuffer();
      if (record) continue;
      record = attachmentsOf(request).attach(
        {
          tableName: required(fields.table_name ?? '', 'table_name'),
          tableSysId: required(fields.table_sys_id ?? '', 'table_sys_id'),
          fileName: part.filename || fields.file_name || '',
          contentType: fields['Content-Type'] || part.mimetype || DEFAULT_CONTENT_TYPE,
          data,
        },
        request.instanceSession!,
      );
    }
    if (!record) throw new InvalidRequestError('Invalid request', 'No file part in the multipart body (send table_name and table_sys_id first, then the file)');
    created(request, reply, prefix, record);
  };

  const listAttachments = async (request: AttachmentRequest, reply: FastifyReply, prefix: string): Promise<void> => {
    const q = request.query;
    const limit = /^\d+$/.test(param(q, 'sysparm_limit')) ? Number(param(q, 'sysparm_limit')) || DEFAULT_LIMIT : DEFAULT_LIMIT;
    const offset = /^\d+$/.test(param(q, 'sysparm_offset')) ? Number(param(q, 'sysparm_offset')) : 0;
    const records = attachmentsOf(request).list(param(q, 'sysparm_query'), limit, offset, request.instanceSession!);
    reply.code(200).send({ result: records.map((r) => attachmentMetadata(r, baseUrlOf(request), prefix)) });
  };

  const one = (request: AttachmentRequest): RecordSnapshot | null => attachmentsOf(request).get(request.params.sys_id ?? '', request.instanceSession!);

  const metadata = async (request: AttachmentRequest, reply: FastifyReply, prefix: string): Promise<void> => {
    const record = one(request);
    if (!record) return void sendError(reply, 404, NO_RECORD.message, NO_RECORD.detail);
    reply.code(200).send({ result: attachmentMetadata(record, baseUrlOf(request), prefix) });
  };

  const file = async (request: AttachmentRequest, reply: FastifyReply, prefix: string): Promise<void> => {
    const record = one(request);
    if (!record) return void sendError(reply, 404, NO_RECORD.message, NO_RECORD.detail);
    reply.header('X-Attachment-Metadata', JSON.stringify(attachmentMetadata(record, baseUrlOf(request), prefix)));
    reply
      .code(200)
      .type(record.values.content_type || DEFAULT_CONTENT_TYPE)
      .send(attachmentsOf(request).content(record.sysId));
  };

  const remove = async (request: AttachmentRequest, reply: FastifyReply): Promise<void> => {
    attachmentsOf(request).remove(request.params.sys_id ?? '', request.instanceSession!);
    reply.code(204).send();
  };

  for (const prefix of ATTACHMENT_API_PREFIXES) {
    app.post(`${prefix}/file`, { bodyLimit: MAX_ATTACHMENT_BYTES }, guarded(uploadFile, prefix));
    app.get(prefix, guarded(listAttachments, prefix));
    app.get(`${prefix}/:sys_id`, guarded(metadata, prefix));
    app.get(`${prefix}/:sys_id/file`, guarded(file, prefix, false));
    app.delete(`${prefix}/:sys_id`, guarded(remove, prefix));
  }
  // Multipart parsing only for the upload route (an encapsulated context).
  await app.register(async (uploads) => {
    await uploads.register(multipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 20 } });
    for (const prefix of ATTACHMENT_API_PREFIXES) uploads.post(`${prefix}/upload`, { bodyLimit: MAX_ATTACHMENT_BYTES }, guarded(uploadMultipart, prefix));
  });
}
