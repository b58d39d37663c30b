import type { ServiceNowConnection } from '../client/connection';
import { ServiceNowHttpError } from '../client/errors';
import type { AttachmentStatus } from '../store/attachment-store';

/**
 * What the companion keeps of a file attached to a ServiceNow incident: its metadata from the
 * Attachment API and, for an image within the size limit, its bytes. The type is decided by the
 * bytes (magic numbers), never by the file name or the declared Content-Type. A file over the limit
 * is never read in full: the metadata's size_bytes is checked first, and the download stops reading
 * past the limit in case the metadata was wrong.
 */

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** The image type the bytes are, by their first bytes; null for anything else. */
export function imageTypeOf(bytes: Buffer): ImageType | null {
  const starts = (signature: number[], at = 0) => bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (bytes.length >= 6 && (bytes.subarray(0, 6).toString('latin1') === 'GIF87a' || bytes.subarray(0, 6).toString('latin1') === 'GIF89a')) return 'image/gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

export interface FetchedAttachment {
  status: AttachmentStatus;
  reason: string | null;
  fileName: string;
  declaredType: string;
  /** The recognised image type (stored only). */
  contentType: ImageType | null;
  sizeBytes: number;
  author: string | null;
  /** ISO 8601, or '' when unknown. */
  createdAt: string;
  link: string;
  /** The bytes: only for a stored image. */
  data: Buffer | null;
}

interface Metadata {
  file_name?: string;
  content_type?: string;
  size_bytes?: string;
  sys_created_by?: string;
  sys_created_on?: string;
  table_sys_id?: string;
  download_link?: string;
}

function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;
}

/** ServiceNow's `YYYY-MM-DD HH:MM:SS` (UTC) as ISO 8601; '' stays ''. */
function isoOf(glide: string | undefined): string {
  return glide && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(glide) ? `${glide.replace(' ', 'T')}Z` : '';
}

/**
 * Reads one attachment of `incidentSysId` through the service account. A file that is gone, or that
 * belongs to another record, comes back `gone` (nothing to fetch); other failures throw (the sync
 * queue retries them).
 */
export async function fetchAttachment(
  http: ServiceNowConnection,
  attachmentSysId: string,
  incidentSysId: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<FetchedAttachment> {
  const path = `/api/now/attachment/${attachmentSysId}`;
  const link = `${http.instanceUrl}${path}/file`;
  let metadata: Metadata;
  try {
    const answer = await http.request({ method: 'GET', path, ...(signal ? { signal } : {}) });
    metadata = ((answer.body as { result?: Metadata } | undefined)?.result ?? {}) as Metadata;
  } catch (err) {
    if (err instanceof ServiceNowHttpError && err.status === 404) {
      return { status: 'gone', reason: 'deleted in ServiceNow before it was fetched', fileName: '', declaredType: '', contentType: null, sizeBytes: 0, author: null, createdAt: '', link, data: null };
    }
    throw err;
  }
  const base = {
    fileName: metadata.file_name ?? '',
    declaredType: metadata.content_type ?? '',
    sizeBytes: Math.max(0, Number.parseInt(metadata.size_bytes ?? '0', 10) || 0),
    author: metadata.sys_created_by || null,
    createdAt: isoOf(metadata.sys_created_on),
    link,
  };
  if (metadata.table_sys_id !== incidentSysId) {
    return { ...base, status: 'gone', reason: 'no longer attached to this incident', contentType: null, data: null };
  }
  const tooLarge = (size: number) => ({
    ...base,
    sizeBytes: size,
    status: 'too_large' as const,
    reason: `larger than the ${megabytes(maxBytes)} limit (attachments.maxBytes): not fetched`,
    contentType: null,
    data: null,
  });
  if (base.sizeBytes > maxBytes) return tooLarge(base.sizeBytes);
  const file = await http.download({ path: `${path}/file`, maxBytes, ...(signal ? { signal } : {}) });
  if (file.truncated) return tooLarge(Math.max(base.sizeBytes, maxBytes + 1));
  const type = imageTypeOf(file.body);
  if (!type) {
    return { ...base, sizeBytes: file.body.length, status: 'not_image', reason: 'not a PNG, JPEG, GIF or WebP image (checked by its bytes): open it in ServiceNow', contentType: null, data: null };
  }
  return { ...base, sizeBytes: file.body.length, status: 'stored', reason: null, contentType: type, data: file.body };
}
