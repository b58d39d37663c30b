import type { FastifyReply } from 'fastify';
import {
  AclDeniedError,
  DataPolicyError,
  InvalidRequestError,
  NotAcceptableError,
  OperationAbortedError,
  RecordNotFoundError,
  UnknownTableError,
  UnsupportedMediaTypeError,
} from '../errors';

/** The platform's REST error body. */
export interface ErrorBody {
  error: { message: string; detail: string | null };
  status: 'failure';
}

export function errorBody(message: string, detail: string | null): ErrorBody {
  return { error: { message, detail }, status: 'failure' };
}

export function sendError(reply: FastifyReply, status: number, message: string, detail: string | null): FastifyReply {
  return reply.code(status).type('application/json').send(errorBody(message, detail));
}

export const NOT_AUTHENTICATED = { message: 'User Not Authenticated', detail: 'Required to provide Auth information' } as const;
export const NO_RECORD = { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" } as const;
/** Version 1 of the Table API answers an empty list with this 404. */
export const NO_RECORDS_MATCHING = { message: 'No Record found', detail: 'Records matching query not found. Check query parameter or offset parameter' } as const;
export const BAD_REQUEST_BODY = 'Exception while reading request';
/** The platform's limit on a REST request body (glide.rest.max_content_length: 10 MiB). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function tooLargeDetail(contentLength: string | number | undefined): string {
  return `Rejected large REST payload with content-length = ${contentLength ?? 'unknown'} bytes. Max allowed: ${MAX_BODY_BYTES} bytes.`;
}

const ACL_VERB = { create: 'Insert', write: 'Update', delete: 'Delete', read: 'Read' } as const;

/** Status and body of an instance error, as the Table API answers it; null for an unexpected error. */
export function describeInstanceError(err: unknown): { status: number; message: string; detail: string | null } | null {
  if (err instanceof UnknownTableError) return { status: 400, message: `Invalid table ${err.table}`, detail: null };
  if (err instanceof RecordNotFoundError) return { status: 404, ...NO_RECORD };
  if (err instanceof AclDeniedError) {
    if (err.scope === 'table') return { status: 403, message: 'Insufficient rights to query records', detail: `No permission to read table '${err.table}'` };
    if (err.scope === 'query_fields') {
      return { status: 403, message: 'Insufficient rights to query records', detail: 'Field(s) present in the query do not have permission to be read' };
    }
    return { status: 403, message: 'Operation Failed', detail: `ACL Exception ${ACL_VERB[err.operation]} Failed due to security constraints` };
  }
  if (err instanceof OperationAbortedError) return { status: 403, message: err.message, detail: err.detail };
  if (err instanceof DataPolicyError) return { status: 403, message: 'Operation Failed', detail: err.message };
  if (err instanceof InvalidRequestError) return { status: 400, message: err.message, detail: err.detail };
  if (err instanceof UnsupportedMediaTypeError) {
    const given = err.contentType ? `Content-Type '${err.contentType}'` : 'A request body without a Content-Type';
    return { status: 415, message: 'Unsupported Media Type', detail: `${given} is not supported; send application/json or application/xml` };
  }
  if (err instanceof NotAcceptableError) {
    return { status: 406, message: 'Not Acceptable', detail: `Accept '${err.accept}' cannot be satisfied; this API answers application/json or application/xml` };
  }
  return null;
}
