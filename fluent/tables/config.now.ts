import '@servicenow/sdk/global';
import { Password2Column, StringColumn, Table } from '@servicenow/sdk/core';

/**
 * The app's configuration record: one row, named `default`, that holds the push signing secret in a
 * password2 field (encrypted at rest). Only the app's scripts use it (src/server/lib/glide-environment.ts,
 * signingSecretField); people with x_incident_io.admin may open it (fluent/security/config-acls.now.ts).
 * Not reachable through the Table API (allowWebServiceAccess false), so no REST API returns the secret.
 */
export const x_incident_io_config = Table({
  name: 'x_incident_io_config',
  label: 'incident.io Configuration',
  display: 'name',
  allowWebServiceAccess: false,
  actions: ['read'],
  accessibleFrom: 'package_private',
  index: [{ name: 'x_incident_io_config_name', unique: true, element: 'name' }],
  schema: {
    name: StringColumn({ label: 'Name', maxLength: 40, mandatory: true, default: 'default' }),
    // Base64 of 32+ random bytes; signs every push. Set by Connect through PUT /sync/config.
    signing_secret: Password2Column({ label: 'Signing secret', maxLength: 255 }),
    // The instance PUT /sync/config ran on (instance_name, glide.servlet.uri): another one is a clone,
    // which queues and sends nothing until configured again (src/server/lib/clone-guard.ts).
    instance_name: StringColumn({ label: 'Configured on instance', maxLength: 100 }),
    instance_url: StringColumn({ label: 'Configured on URL', maxLength: 255 }),
  },
});
