import { z } from 'zod';

/**
 * The seed: what a new local instance contains. Records refer to each other by natural keys
 * (user_name, role name, group name, CI name, incident number), never by sys_id; the loader
 * resolves them. A seed file may start with `"extends": "default"` to add to (or replace by key)
 * the default seed instead of replacing it.
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const seedPropertySchema = z.object({
  name: z.string().min(1),
  value: z.string(),
  type: z.string().optional(),
  description: z.string().optional(),
  read_roles: z.string().optional(),
  write_roles: z.string().optional(),
});

export const seedRoleSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Names of the roles this role contains. */
  contains: z.array(z.string()).optional(),
  elevated_privilege: z.boolean().optional(),
});

export const seedUserSchema = z.object({
  user_name: z.string().min(1),
  /** Clear-text password (hashed on load). Users without one cannot log in. */
  password: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  email: z.string().optional(),
  title: z.string().optional(),
  department: z.string().optional(),
  active: z.boolean().optional(),
  locked_out: z.boolean().optional(),
  web_service_access_only: z.boolean().optional(),
  /**
   * Roles granted directly. A role that does not exist yet (one an app ships, like
   * x_incident_io.api_user) is granted as soon as it is created.
   */
  roles: z.array(z.string()).optional(),
});

export const seedGroupSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  email: z.string().optional(),
  /** user_name of the manager. */
  manager: z.string().optional(),
  /** user_names of the members. */
  members: z.array(z.string()).optional(),
  /** Roles every member holds through the group. */
  roles: z.array(z.string()).optional(),
});

export const seedOAuthClientSchema = z.object({
  name: z.string().min(1),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  /** Seconds (default 1800). */
  access_token_lifespan: z.number().int().positive().optional(),
  /** Seconds (default 8640000, 100 days). */
  refresh_token_lifespan: z.number().int().positive().optional(),
  active: z.boolean().optional(),
});

export const seedAclSchema = z.object({
  /** `table`, `table.field`, `table.*`, `*`. */
  name: z.string().min(1),
  operation: z.enum(['read', 'write', 'create', 'delete', 'execute']),
  type: z.string().optional(),
  /** Any one of these roles is enough; none = no role required. */
  roles: z.array(z.string()).optional(),
  decision_type: z.enum(['allow', 'deny']).optional(),
  admin_overrides: z.boolean().optional(),
  /** Encoded query the record must match. */
  condition: z.string().optional(),
  active: z.boolean().optional(),
  description: z.string().optional(),
});

export const seedRateLimitSchema = z.object({
  name: z.string().min(1),
  type: z.enum(['user', 'role', 'all']),
  /** user_name, for type user. */
  user: z.string().optional(),
  /** Role name, for type role. */
  role: z.string().optional(),
  /** Requests per hour. */
  rate_limit: z.number().int().nonnegative(),
  active: z.boolean().optional(),
  http_method: z.string().optional(),
  rest_api: z.string().optional(),
});

export const seedJournalEntrySchema = z.object({
  element: z.enum(['comments', 'work_notes']),
  value: z.string(),
  /** user_name of the author (default: the record's creator). */
  by: z.string().optional(),
  /** `YYYY-MM-DD HH:MM:SS` UTC (default: now). */
  at: z.string().optional(),
});

export const seedRecordSchema = z.object({
  table: z.string().min(1),
  /** Column values; reference columns take a natural key (user_name, group name, CI name …) or a sys_id. */
  values: z.record(z.string(), scalar),
  /** user_name the record is created as (sys_created_by, opened_by). Default: admin. */
  as: z.string().optional(),
  journal: z.array(seedJournalEntrySchema).optional(),
});

export const seedSchema = z.object({
  /** `"default"`: merge onto the default seed (entries with the same key replace the default's). */
  extends: z.literal('default').optional(),
  properties: z.array(seedPropertySchema).optional(),
  roles: z.array(seedRoleSchema).optional(),
  users: z.array(seedUserSchema).optional(),
  groups: z.array(seedGroupSchema).optional(),
  oauthClients: z.array(seedOAuthClientSchema).optional(),
  acls: z.array(seedAclSchema).optional(),
  rateLimits: z.array(seedRateLimitSchema).optional(),
  records: z.array(seedRecordSchema).optional(),
});

export type SeedProperty = z.infer<typeof seedPropertySchema>;
export type SeedRole = z.infer<typeof seedRoleSchema>;
export type SeedUser = z.infer<typeof seedUserSchema>;
export type SeedGroup = z.infer<typeof seedGroupSchema>;
export type SeedOAuthClient = z.infer<typeof seedOAuthClientSchema>;
export type SeedAcl = z.infer<typeof seedAclSchema>;
export type SeedRateLimit = z.infer<typeof seedRateLimitSchema>;
export type SeedRecord = z.infer<typeof seedRecordSchema>;

/** A complete seed (every list present). */
export interface Seed {
  properties: SeedProperty[];
  roles: SeedRole[];
  users: SeedUser[];
  groups: SeedGroup[];
  oauthClients: SeedOAuthClient[];
  acls: SeedAcl[];
  rateLimits: SeedRateLimit[];
  records: SeedRecord[];
}

export type SeedInput = z.infer<typeof seedSchema>;
