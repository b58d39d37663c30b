/**
 * The roles of the contract between the app and the companion. The app ships API_USER_ROLE
 * (fluent/security/roles.now.ts); the service account needs REQUIRED_ROLES (setup guide step 3),
 * which the app's GET /health reports for its caller and the companion's connect checks.
 */
export const API_USER_ROLE = 'x_incident_io.api_user';
/** Grants read access to cmdb_ci and cmdb_ci_service (the catalog import's CIs and services). */
export const CMDB_READ_ROLE = 'cmdb_read';
/** Grants read access to the users, groups and group members the catalog import reads. */
export const CMDB_USER_ROLE = 'sn_cmdb_user';
export const REQUIRED_ROLES = [API_USER_ROLE, CMDB_READ_ROLE, CMDB_USER_ROLE, 'incident_manager'] as const;
