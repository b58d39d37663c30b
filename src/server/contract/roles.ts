/**
 * The roles of the contract between the app and the companion. The app ships API_USER_ROLE
 * (fluent/security/roles.now.ts); the service account needs REQUIRED_ROLES (setup guide step 3),
 * which the app's GET /health reports for its caller and the companion's connect checks.
 */
export const API_USER_ROLE = 'x_incident_io.api_user';
export const REQUIRED_ROLES = [API_USER_ROLE, 'cmdb_read', 'sn_cmdb_user', 'incident_manager'] as const;
