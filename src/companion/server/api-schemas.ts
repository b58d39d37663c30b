import { z } from 'zod';
import { FOLLOW_UP_STATUSES } from '../store/follow-up-store';
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES, JOURNAL_VISIBILITIES } from '../store/sync-store';

/**
 * The incident API's request shapes. Unknown keys are refused (a typo is an error, not a silent
 * no-op). Emails are kept in lower case.
 */

const name = z.string().trim().min(1, 'must not be empty').max(160, 'at most 160 characters (ServiceNow short_description)');
const summary = z.string().max(4000, 'at most 4000 characters');
const lead = z
  .email('must be an email address')
  .max(254)
  .transform((e) => e.toLowerCase())
  .nullable();

const isPrivate = z.boolean();
const incidentType = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters').nullable();
/** Custom fields: key → text, or a list of texts (a multi-select). A PATCH replaces them all. */
const customFields = z
  .record(z.string().trim().min(1).max(100), z.union([z.string().max(1000), z.array(z.string().max(1000)).max(100)]))
  .refine((value) => Object.keys(value).length <= 100, { message: 'at most 100 custom fields' });

export const DeclareBody = z
  .object({
    name,
    summary: summary.default(''),
    status: z.enum(INCIDENT_STATUSES).default('triage'),
    severity: z.enum(INCIDENT_SEVERITIES).default('minor'),
    lead: lead.default(null),
    private: isPrivate.default(false),
    type: incidentType.default(null),
    custom_fields: customFields.default({}),
    connection: z.string().min(1).max(63).optional(),
  })
  .strict();

export const PatchBody = z
  .object({
    name: name.optional(),
    summary: summary.optional(),
    status: z.enum(INCIDENT_STATUSES).optional(),
    severity: z.enum(INCIDENT_SEVERITIES).optional(),
    lead: lead.optional(),
    private: isPrivate.optional(),
    type: incidentType.optional(),
    custom_fields: customFields.optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((v) => v !== undefined), {
    message: 'give at least one of name, summary, status, severity, lead, private, type, custom_fields',
  });

export const UpdateBody = z
  .object({
    message: z.string().trim().min(1, 'must not be empty').max(4000, 'at most 4000 characters'),
    author: z.string().trim().min(1).max(200).optional(),
    /** What it becomes in ServiceNow: an internal work note (the default) or a customer-visible comment. */
    visibility: z.enum(JOURNAL_VISIBILITIES).default('work_note'),
  })
  .strict();

const followUpTitle = z.string().trim().min(1, 'must not be empty').max(160, 'at most 160 characters (ServiceNow short_description)');

export const FollowUpBody = z
  .object({
    title: followUpTitle,
    description: summary.default(''),
    /** An email: the ServiceNow user with that email is assigned (assigned_to). */
    assignee: lead.default(null),
  })
  .strict();

export const FollowUpPatchBody = z
  .object({
    title: followUpTitle.optional(),
    description: summary.optional(),
    assignee: lead.optional(),
    status: z.enum(FOLLOW_UP_STATUSES).optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((v) => v !== undefined), { message: 'give at least one of title, description, assignee, status' });

export const FollowUpParams = z.object({ id: z.string().min(1).max(100), follow_up_id: z.string().min(1).max(100) });

export const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
    status: z.enum(INCIDENT_STATUSES).optional(),
  })
  .strict();

/** `POST /incidents?wait=N`: answer once the ServiceNow record exists, waiting at most N seconds. */
export const DeclareQuery = z
  .object({ wait: z.coerce.number().min(0).max(30, 'at most 30 seconds').default(0) })
  .strict();

export const IncidentParams = z.object({ id: z.string().min(1).max(100) });
export const AttachmentParams = z.object({ id: z.string().min(1).max(100), attachment_id: z.string().min(1).max(100) });

/** Zod's issues as `{path, message}` pairs, for the `details` of a 400. */
export function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
}
