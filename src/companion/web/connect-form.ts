import { InvalidInstanceAddressError, parseInstanceUrl, type InstanceUrl } from '../client';
import type { CheckResult } from '../commands/check-runner';
import { CommandOptionsError, publicUrlOf, type ConnectSettings } from '../commands/options';
import { CONNECTION_NAME, Secret, type Connection } from '../store';

/**
 * The Connect page's form (setup guide step 5): reading it, keeping stored secrets when the
 * secret fields are left empty, and which field a failed check points at.
 */

export const CONNECT_FIELDS = ['instance', 'client_id', 'client_secret', 'username', 'password', 'name', 'public_url'] as const;
export type ConnectField = (typeof CONNECT_FIELDS)[number];

export type ConnectFormValues = Partial<Record<ConnectField, string>>;
export type FieldErrors = Partial<Record<ConnectField, string>>;

/** What the Connect form gives: the CLI's connect settings without its own switches (database file, --json). */
export type ConnectFormSettings = Omit<ConnectSettings, 'dbFile' | 'databaseUrl' | 'json'>;

export type ParsedConnectForm = { ok: true; settings: ConnectFormSettings } | { ok: false; errors: FieldErrors };

function text(body: Record<string, string>, field: ConnectField): string {
  return (body[field] ?? '').trim();
}

/**
 * `stored` is the connection being edited (by its name): an empty secret field keeps its secret,
 * but only while the instance stays the same (a stored secret is never sent to another host).
 */
export function parseConnectForm(body: Record<string, string>, stored: Connection | undefined, defaultPublicUrl: string): ParsedConnectForm {
  const errors: FieldErrors = {};
  let instanceUrl: InstanceUrl | undefined;
  try {
    instanceUrl = parseInstanceUrl(text(body, 'instance'));
  } catch (err) {
    errors.instance = err instanceof InvalidInstanceAddressError ? err.message : 'Enter your instance: a subdomain such as "acme", or a URL.';
  }
  const keep = stored && instanceUrl && stored.instanceUrl === instanceUrl ? stored : undefined;
  const clientId = text(body, 'client_id');
  if (!clientId) errors.client_id = 'Enter the OAuth client id (setup guide step 2).';
  const username = text(body, 'username');
  if (!username) errors.username = "Enter the service account's username (setup guide step 3).";
  const clientSecret = body.client_secret ? body.client_secret : keep?.clientSecret.reveal();
  if (!clientSecret) errors.client_secret = 'Enter the OAuth client secret (setup guide step 2).';
  const password = body.password ? body.password : keep?.password.reveal();
  if (!password) errors.password = "Enter the service account's password (setup guide step 3).";
  const name = text(body, 'name');
  if (name && !CONNECTION_NAME.test(name)) {
    errors.name = 'Use 1 to 63 lower-case letters, digits, "-" or "_", starting with a letter or digit (it becomes part of the webhook URL).';
  }
  let publicUrl = defaultPublicUrl;
  try {
    publicUrl = publicUrlOf(text(body, 'public_url') || defaultPublicUrl);
  } catch (err) {
    errors.public_url = err instanceof CommandOptionsError ? err.message.replace(/ \(--public-url or INCIDENT_SN_PUBLIC_URL\)/, '') : String(err);
  }
  if (Object.keys(errors).length > 0 || !instanceUrl) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      instanceUrl,
      clientId,
      clientSecret: new Secret(clientSecret!),
      username,
      password: new Secret(password!),
      ...(name ? { name } : {}),
      publicUrl,
    },
  };
}

/** The field a failed check's fix is about, or null when it is about the instance's setup as a whole. */
export function fieldOfFailure(result: CheckResult): ConnectField | null {
  if (result.ok) return null;
  switch (result.id) {
    case 'instance-reachable':
      return 'instance';
    case 'oauth-token':
      // Step 2: the OAuth application (client id or secret); step 3: the account's password.
      return result.step === 'step 2' ? 'client_secret' : result.step === 'step 3' ? 'password' : 'client_id';
    case 'service-account-roles':
    case 'task-access':
      return 'username';
    default:
      return null;
  }
}
