import { IncidentSnError } from '../../shared/errors';
import { parseInstanceUrl, type InstanceUrl } from '../client';
import type { Option } from 'commander';
import { CONNECTION_NAME, DATABASE_URL_ENV, DB_FILE_ENV, DEFAULT_DB_FILE, Secret, type OpenStoreOptions } from '../store';
import type { CommandIo } from './command-io';
import { envOption } from './env-options';
import { DEFAULT_PUBLIC_URL } from '../connect/connection-name';

/**
 * Connect's options: each from its flag, else its environment variable (declared with commander's
 * Option.env(), taken from the command's io.env by env-options.ts before the command runs); on a
 * terminal, missing secrets are asked for without echo; otherwise anything missing is an error that
 * names both the flag and the variable.
 */

export interface OptionSpec {
  flag: string;
  env: string;
  /** For messages: "the OAuth client secret". */
  label: string;
  secret: boolean;
}

export const CONNECT_OPTIONS = {
  instance: { flag: '--instance', env: 'SN_INSTANCE', label: 'the instance (subdomain, host or URL)', secret: false },
  clientId: { flag: '--client-id', env: 'SN_CLIENT_ID', label: 'the OAuth client id', secret: false },
  clientSecret: { flag: '--client-secret', env: 'SN_CLIENT_SECRET', label: 'the OAuth client secret', secret: true },
  username: { flag: '--username', env: 'SN_USERNAME', label: "the service account's username", secret: false },
  password: { flag: '--password', env: 'SN_PASSWORD', label: "the service account's password", secret: true },
  name: { flag: '--name', env: 'INCIDENT_SN_CONNECTION', label: 'the connection name', secret: false },
  publicUrl: { flag: '--public-url', env: 'INCIDENT_SN_PUBLIC_URL', label: 'the public URL of this companion', secret: false },
  db: { flag: '--db', env: DB_FILE_ENV, label: 'the database file', secret: false },
} as const satisfies Record<string, OptionSpec>;

export type ConnectOptionKey = keyof typeof CONNECT_OPTIONS;

/** What commander parsed (every value optional: the environment or a prompt may supply it). */
export interface ConnectFlags {
  instance?: string;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  name?: string;
  publicUrl?: string;
  db?: string;
  databaseUrl?: string;
  json?: boolean;
}

export interface ConnectSettings {
  instanceUrl: InstanceUrl;
  clientId: string;
  clientSecret: Secret;
  username: string;
  password: Secret;
  /** Only when given: otherwise the stored connection's name or one derived from the instance. */
  name?: string;
  publicUrl: string;
  dbFile: string;
  /** PostgreSQL instead of dbFile (--database-url or DATABASE_URL). */
  databaseUrl?: string;
  json: boolean;
}

/** A missing or invalid option. */
export class CommandOptionsError extends IncidentSnError {
  constructor(message: string, code = 'invalid_options') {
    super(message, { code });
  }
}

function where(spec: OptionSpec): string {
  return `${spec.flag} or ${spec.env}`;
}

/** One of CONNECT_OPTIONS as a commander option: its flag, label (plus `extra`) and variable. */
export function connectOption(key: ConnectOptionKey, argument: string, extra = ''): Option {
  const spec = CONNECT_OPTIONS[key];
  return envOption(`${spec.flag} ${argument}`, `${spec.label}${extra}`, spec.env);
}

/** An option's value (from its flag or its variable); blank counts as not given, and only secrets keep their spaces. */
export function optionValue(spec: OptionSpec, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return spec.secret ? value : value.trim();
}

/** The database file: --db (or INCIDENT_SN_DB), else .data/companion.db. */
export function dbFileOf(value: string | undefined): string {
  return optionValue(CONNECT_OPTIONS.db, value) ?? DEFAULT_DB_FILE;
}

/** Every store-opening command's `--database-url` option: PostgreSQL instead of the SQLite file. */
export function databaseUrlOption(): Option {
  return envOption('--database-url <url>', 'PostgreSQL shared by replicas instead of the SQLite file: postgres://user:password@host:5432/db', DATABASE_URL_ENV);
}

/** The --database-url value (or DATABASE_URL's), trimmed; undefined when blank. */
export function databaseUrlOf(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Where a command's store is: --database-url (PostgreSQL), else --db, else .data/companion.db. `env` holds the secret key. */
export function storeOptionsOf(flags: { db?: string; databaseUrl?: string }, env: NodeJS.ProcessEnv): OpenStoreOptions {
  const databaseUrl = databaseUrlOf(flags.databaseUrl);
  return { file: dbFileOf(flags.db), env, ...(databaseUrl !== undefined ? { databaseUrl } : {}) };
}

/** An explicit connection name, checked; undefined when none was given. */
export function connectionNameOf(value: string | undefined): string | undefined {
  const name = optionValue(CONNECT_OPTIONS.name, value);
  if (name !== undefined && !CONNECTION_NAME.test(name)) {
    throw new CommandOptionsError(
      `${JSON.stringify(name.slice(0, 80))} is not a valid connection name (${where(CONNECT_OPTIONS.name)}): use 1 to ` +
        `63 lower-case letters, digits, "-" or "_", starting with a letter or digit; it becomes part of the webhook URL.`,
    );
  }
  return name;
}

/** The public URL without a trailing slash; http(s), no credentials, query or fragment. */
export function publicUrlOf(text: string): string {
  const spec = CONNECT_OPTIONS.publicUrl;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CommandOptionsError(`${JSON.stringify(text.slice(0, 200))} is not a URL (${where(spec)}): expected something like https://incident-sn.example.com.`);
  }
  const problem =
    url.protocol !== 'https:' && url.protocol !== 'http:'
      ? 'it must use https (or http for a loopback host)'
      : url.username || url.password
        ? 'it must not contain a username or password'
        : url.search || url.hash || text.includes('?') || text.includes('#')
          ? 'it must not have a query string or fragment'
          : undefined;
  if (problem) throw new CommandOptionsError(`The public URL (${where(spec)}) is not usable: ${problem}.`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function missingError(missing: OptionSpec[], interactive: boolean): CommandOptionsError {
  const secretsNote =
    !interactive && missing.some((m) => m.secret) ? ' (Run on a terminal to be asked for the secrets without echo.)' : '';
  if (missing.length === 1) {
    const [spec] = missing as [OptionSpec];
    return new CommandOptionsError(`Missing ${spec.label}: give ${spec.flag} or set ${spec.env}.${secretsNote}`, 'missing_option');
  }
  return new CommandOptionsError(
    `Missing ${missing.map((m) => `${m.label} (${where(m)})`).join(', ')}.${secretsNote}`,
    'missing_option',
  );
}

async function prompted(spec: OptionSpec, io: CommandIo): Promise<string> {
  const answer = await io.promptSecret!(`${spec.label[0]!.toUpperCase()}${spec.label.slice(1)}: `);
  if (answer === '') throw new CommandOptionsError(`No value entered for ${spec.label}.`, 'missing_option');
  return answer;
}

export async function resolveConnectSettings(flags: ConnectFlags, io: CommandIo): Promise<ConnectSettings> {
  const interactive = io.promptSecret !== undefined;
  const value = (key: ConnectOptionKey): string | undefined => optionValue(CONNECT_OPTIONS[key], flags[key]);

  const required = ['instance', 'clientId', 'clientSecret', 'username', 'password'] as const;
  const missing = required.filter((key) => value(key) === undefined);
  const cannotAsk = missing.filter((key) => !interactive || !CONNECT_OPTIONS[key].secret);
  if (cannotAsk.length > 0) throw missingError(missing.map((key) => CONNECT_OPTIONS[key]), interactive);

  // Checked before any prompt, so a typo does not cost the user their typing.
  const instanceUrl = parseInstanceUrl(value('instance')!);
  const name = connectionNameOf(flags.name);
  const publicUrl = publicUrlOf(value('publicUrl') ?? DEFAULT_PUBLIC_URL);

  const databaseUrl = databaseUrlOf(flags.databaseUrl);
  const clientSecret = value('clientSecret') ?? (await prompted(CONNECT_OPTIONS.clientSecret, io));
  const password = value('password') ?? (await prompted(CONNECT_OPTIONS.password, io));
  return {
    instanceUrl,
    clientId: value('clientId')!,
    clientSecret: new Secret(clientSecret),
    username: value('username')!,
    password: new Secret(password),
    ...(name !== undefined ? { name } : {}),
    publicUrl,
    dbFile: dbFileOf(flags.db),
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    json: flags.json === true,
  };
}
