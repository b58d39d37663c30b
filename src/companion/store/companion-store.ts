import type { CatalogStore } from './catalog-store';
import type { Secret } from './secret';
import type { InboundWriter, SyncStore } from './sync-store';
import type { UserStore } from './user-store';

/**
 * The companion's storage, as the rest of the companion sees it. One narrow async interface; today
 * over SQLite (openSqliteStore), later over PostgreSQL for several replicas, so nothing here is
 * specific to one database. Secrets go in and come out as Secret values and are encrypted at rest.
 */

export type ConnectionMode = 'realtime' | 'polling';

/** What connect stores for an instance. */
export interface ConnectionInput {
  /** 1 to 63 of a-z, 0-9, "-" and "_", starting with a letter or digit: it is part of the webhook URL. */
  name: string;
  /** The instance's origin, as parseInstanceUrl gives it. */
  instanceUrl: string;
  mode: ConnectionMode;
  clientId: string;
  clientSecret: Secret;
  username: string;
  password: Secret;
  /** Where the instance reaches this companion (no trailing slash). */
  publicUrl: string;
  /** The secret the app signs pushes with; null in polling mode. */
  signingSecret: Secret | null;
  /** The user the app ignores changes of (the service account). */
  integrationUser: string;
}

export type CheckStatus = 'ok' | 'attention';

/** The outcome of the last connect or doctor run. */
export interface ConnectionCheck {
  at: Date;
  status: CheckStatus;
  /** One line for people, such as "2 findings: 3 dead events; last delivery failed". */
  summary: string;
}

/** A stored connection, secrets included (as Secret values, which print as "[secret]"). */
export interface Connection extends ConnectionInput {
  id: string;
  /** The signing secret before the last rotation, so pushes signed before it still verify. */
  previousSigningSecret: Secret | null;
  signingSecretRotatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lastCheck: ConnectionCheck | null;
}

/** A stored connection without its secrets (listing needs no decryption). */
export interface ConnectionSummary {
  name: string;
  instanceUrl: string;
  mode: ConnectionMode;
  createdAt: Date;
  updatedAt: Date;
  lastCheck: ConnectionCheck | null;
}

export interface SavedConnection {
  connection: Connection;
  /** True when the instance had no connection before. */
  created: boolean;
  /** True when the signing secret changed (the old one is now `previousSigningSecret`). */
  rotated: boolean;
  /** False when the stored connection already matched the input exactly (nothing was written). */
  changed: boolean;
}

export interface CompanionStore {
  /** The catalog imported from each connection's instance (CIs, services, users, groups). */
  readonly catalog: CatalogStore;
  /** The sync: incidents, links to ServiceNow, received events, the outbound queue, polling cursors. */
  readonly sync: SyncStore;
  /** The people who may use the web pages, and their sessions. */
  readonly users: UserStore;
  /**
   * Where received pushes are stored, when the store has a connection of its own for them (the
   * companion server's SQLite store: its own thread, so storing pushes never waits behind the
   * workers' transactions); otherwise `sync` is used.
   */
  readonly ingest?: InboundWriter;

  /**
   * Creates the connection for `input.instanceUrl`, or updates the one stored for it. Idempotent:
   * saving the same input again writes nothing. A new signing secret moves the current one to
   * `previousSigningSecret`. Throws ConnectionConflictError when the name belongs to another
   * instance's connection, or the instance is stored under another name.
   */
  saveConnection(input: ConnectionInput): Promise<SavedConnection>;

  /** The connection with this name, or undefined. */
  getConnection(name: string): Promise<Connection | undefined>;

  /** The connection for this instance origin, or undefined. */
  getConnectionByInstance(instanceUrl: string): Promise<Connection | undefined>;

  /** Every connection, by name, without secrets. */
  listConnections(): Promise<ConnectionSummary[]>;

  /** Records when the connection was last checked and the outcome. Returns false if there is no such connection. */
  recordConnectionCheck(name: string, check: ConnectionCheck): Promise<boolean>;

  /**
   * Points a connection at the instance's new address (the same instance, moved: another host name,
   * or the local instance on another port), keeping everything synced under it. False when there
   * is no such connection or it already has that address; ConnectionConflictError when another
   * connection has it.
   */
  moveConnection(name: string, instanceUrl: string): Promise<boolean>;

  /** Removes a connection; false if there was none. */
  deleteConnection(name: string): Promise<boolean>;

  close(): Promise<void>;
}
