import { CONNECTION_NAME } from '../store';

/** The companion's default serve address; the app accepts plain http only for loopback hosts like this one. */
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:3000';
export const WEBHOOK_PATH = '/webhooks/servicenow';

/**
 * A connection's default name, from its instance: the subdomain for `<subdomain>.service-now.com`,
 * else the host and port with every other character turned into "-" (`127-0-0-1-8080`).
 */
export function defaultConnectionName(instanceUrl: string): string {
  const url = new URL(instanceUrl);
  const serviceNow = /^([a-z0-9-]+)\.service-now\.com$/i.exec(url.hostname);
  const base = serviceNow ? serviceNow[1]! : `${url.hostname}${url.port ? `-${url.port}` : ''}`;
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 63);
  return CONNECTION_NAME.test(name) ? name : 'servicenow';
}

/** Where the instance pushes for this connection: `<public URL>/webhooks/servicenow/<name>`. */
export function webhookUrlFor(publicUrl: string, name: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}/${encodeURIComponent(name)}`;
}
