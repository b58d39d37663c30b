import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { SQLITE_BACKEND, withConflictRetry, type StoreBackend } from './backend';
import type {
  CompanionStore,
  Connection,
  ConnectionCheck,
  ConnectionInput,
  ConnectionSummary,
  SavedConnection,
} from './companion-store';
import { ConnectionConflictError, InvalidConnectionError } from './errors';
import { KyselyCatalogStore } from './kysely-catalog-store';
import type { CompanionDatabase, ConnectionsTable } from './schema';
import { sameSecret, Secret } from './secret';
import { kyselySyncStore, type TransactionJobRunner } from './kysely-sync-store';
import type { SyncStore } from './sync-store';
import type { SecretBox } from './secret-box';
import { KyselyUserStore } from './kysely-user-store';

/**
 * CompanionStore over kysely: the same code for every dialect kysely supports (SQLite today,
 * PostgreSQL for replicas), using only portable queries.
 */

type ConnectionRow = Selectable<ConnectionsTable>;
type SealedColumn = 'oauth_client_secret_sealed' | 'password_sealed' | 'signing_secret_sealed' | 'previous_signing_secret_sealed';

export const CONNECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const INSTANCE_ORIGIN = /^https?:\/\/[^/?#\s]+$/;

function requireText(value: unknown, what: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidConnectionError(`${what} must not be empty.`);
}

function checkInput(input: ConnectionInput): void {
  if (typeof input.name !== 'string' || !CONNECTION_NAME.test(input.name)) {
    throw new InvalidConnectionError(
      `${JSON.stringify(String(input.name).slice(0, 80))} is not a valid connection name: use 1 to 63 lower-case ` +
        `letters, digits, "-" or "_", starting with a letter or digit (it becomes part of the webhook URL).`,
    );
  }
  if (typeof input.instanceUrl !== 'string' || !INSTANCE_ORIGIN.test(input.instanceUrl)) {
    throw new InvalidConnectionError('The instance URL must be an origin such as https://acme.service-now.com.');
  }
  if (input.mode !== 'realtime' && input.mode !== 'polling') {
    throw new InvalidConnectionError(`The mode must be "realtime" or "polling".`);
  }
  requireText(input.clientId, 'The OAuth client id');
  requireText(input.username, 'The username');
  requireText(input.publicUrl, 'The public URL');
  requireText(input.integrationUser, 'The integration user');
  for (const [what, value] of [
    ['The client secret', input.clientSecret],
    ['The password', input.password],
  ] as const) {
    if (!(value instanceof Secret)) throw new InvalidConnectionError(`${what} must be given as a Secret.`);
  }
  if (input.signingSecret !== null && !(input.signingSecret instanceof Secret)) {
    throw new InvalidConnectionError('The signing secret must be a Secret or null.');
  }
  if (input.mode === 'realtime' && input.signingSecret === null) {
    throw new InvalidConnectionError('A real-time connection needs a signing secret.');
  }
}

function dateOrNull(text: string | null): Date | null {
  return text === null ? null : new Date(text);
}

function lastCheckOf(row: Pick<ConnectionRow, 'last_check_at' | 'last_check_status' | 'last_check_summary'>): ConnectionCheck | null {
  if (row.last_check_at === null || row.last_check_status === null) return null;
  return { at: new Date(row.last_check_at), status: row.last_check_status, summary: row.last_check_summary ?? '' };
}

export class KyselyCompanionStore implements CompanionStore {
  private catalogStore?: KyselyCatalogStore;
  private syncStore?: SyncStore;
  private userStore?: KyselyUserStore;

  get users(): KyselyUserStore {
    return (this.userStore ??= new KyselyUserStore(this.db, this.clock));
  }

  get sync(): SyncStore {
    return (this.syncStore ??= kyselySyncStore(this.db, this.engine, this.jobRunner));
  }

  get catalog(): KyselyCatalogStore {
    return (this.catalogStore ??= new KyselyCatalogStore(this.db));
  }

  constructor(
    private readonly db: Kysely<CompanionDatabase>,
    private readonly box: SecretBox,
    private readonly clock: () => Date = () => new Date(),
    // Not `backend`: the openers add a public `backend` ('sqlite' | 'postgres') to the store they
    // return, which overwrote this field and left PostgreSQL's transactions READ COMMITTED.
    private readonly engine: StoreBackend = SQLITE_BACKEND,
    /** Where transaction jobs run (the SQLite store's thread), when not in a transaction of this event loop. */
    private readonly jobRunner?: TransactionJobRunner,
  ) {}

  async saveConnection(input: ConnectionInput): Promise<SavedConnection> {
    checkInput(input);
    return this.inTransaction(async (trx) => {
      const existing = await trx.selectFrom('connections').selectAll().where('instance_url', '=', input.instanceUrl).executeTakeFirst();
      await this.checkConflicts(trx, input, existing);
      const now = this.clock().toISOString();

      if (!existing) {
        const id = randomUUID();
        const row: ConnectionRow = {
          id,
          name: input.name,
          instance_url: input.instanceUrl,
          ...this.settingColumns(id, input),
          previous_signing_secret_sealed: null,
          signing_secret_rotated_at: null,
          created_at: now,
          updated_at: now,
          last_check_at: null,
          last_check_status: null,
          last_check_summary: null,
        };
        await trx.insertInto('connections').values(row).execute();
        return { connection: this.toConnection(row), created: true, rotated: false, changed: true };
      }

      const current = this.toConnection(existing);
      const rotated = !sameSecret(current.signingSecret, input.signingSecret);
      const changed =
        rotated ||
        current.mode !== input.mode ||
        current.clientId !== input.clientId ||
        !current.clientSecret.equals(input.clientSecret) ||
        current.username !== input.username ||
        !current.password.equals(input.password) ||
        current.publicUrl !== input.publicUrl ||
        current.integrationUser !== input.integrationUser;
      if (!changed) return { connection: current, created: false, rotated: false, changed: false };

      const id = existing.id;
      const previous = rotated ? (current.signingSecret ?? current.previousSigningSecret) : current.previousSigningSecret;
      const update = {
        ...this.settingColumns(id, input),
        previous_signing_secret_sealed: this.sealOrNull(id, 'previous_signing_secret_sealed', previous),
        signing_secret_rotated_at: rotated ? now : existing.signing_secret_rotated_at,
        updated_at: now,
      };
      await trx.updateTable('connections').set(update).where('id', '=', id).execute();
      return { connection: this.toConnection({ ...existing, ...update }), created: false, rotated, changed: true };
    });
  }

  async getConnection(name: string): Promise<Connection | undefined> {
    const row = await this.db.selectFrom('connections').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? this.toConnection(row) : undefined;
  }

  async getConnectionByInstance(instanceUrl: string): Promise<Connection | undefined> {
    const row = await this.db.selectFrom('connections').selectAll().where('instance_url', '=', instanceUrl).executeTakeFirst();
    return row ? this.toConnection(row) : undefined;
  }

  async listConnections(): Promise<ConnectionSummary[]> {
    const rows = await this.db
      .selectFrom('connections')
      .select(['name', 'instance_url', 'mode', 'created_at', 'updated_at', 'last_check_at', 'last_check_status', 'last_check_summary'])
      .orderBy('name')
      .execute();
    return rows.map((row) => ({
      name: row.name,
      instanceUrl: row.instance_url,
      mode: row.mode,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
      lastCheck: lastCheckOf(row),
    }));
  }

  async recordConnectionCheck(name: string, check: ConnectionCheck): Promise<boolean> {
    if (check.status !== 'ok' && check.status !== 'attention') {
      throw new InvalidConnectionError('A check status must be "ok" or "attention".');
    }
    const result = await this.db
      .updateTable('connections')
      .set({ last_check_at: check.at.toISOString(), last_check_status: check.status, last_check_summary: check.summary })
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async moveConnection(name: string, instanceUrl: string): Promise<boolean> {
    return this.inTransaction(async (trx) => {
      const other = await trx.selectFrom('connections').select('name').where('instance_url', '=', instanceUrl).executeTakeFirst();
      if (other && other.name !== name) {
        throw new ConnectionConflictError(
          'instance_has_other_name',
          other.name,
          `${instanceUrl} is already connected as "${other.name}": a connection cannot move onto another's instance.`,
        );
      }
      const result = await trx
        .updateTable('connections')
        .set({ instance_url: instanceUrl, updated_at: this.clock().toISOString() })
        .where('name', '=', name)
        .where('instance_url', '!=', instanceUrl)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  async deleteConnection(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('connections').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private inTransaction<T>(work: (trx: Transaction<CompanionDatabase>) => Promise<T>): Promise<T> {
    return withConflictRetry(this.engine, () => {
      const builder = this.db.transaction();
      return (this.engine.serializableTransactions ? builder.setIsolationLevel('serializable') : builder).execute(work);
    });
  }

  private async checkConflicts(trx: Transaction<CompanionDatabase>, input: ConnectionInput, existing: ConnectionRow | undefined): Promise<void> {
    if (existing && existing.name !== input.name) {
      throw new ConnectionConflictError(
        'instance_has_other_name',
        existing.name,
        `${input.instanceUrl} is already connected as "${existing.name}" (one connection per instance): use ` +
          `--name ${existing.name} (or leave --name out) to update it.`,
      );
    }
    const byName = await trx.selectFrom('connections').select(['instance_url']).where('name', '=', input.name).executeTakeFirst();
    if (byName && byName.instance_url !== input.instanceUrl) {
      throw new ConnectionConflictError(
        'name_taken',
        input.name,
        `The connection name "${input.name}" is already used for ${byName.instance_url}: choose another --name.`,
      );
    }
  }

  /** The columns a save sets from its input on a new connection and on an existing one (the secrets sealed for this row). */
  private settingColumns(
    id: string,
    input: ConnectionInput,
  ): Pick<
    ConnectionRow,
    'mode' | 'oauth_client_id' | 'oauth_client_secret_sealed' | 'username' | 'password_sealed' | 'public_url' | 'signing_secret_sealed' | 'integration_user'
  > {
    return {
      mode: input.mode,
      oauth_client_id: input.clientId,
      oauth_client_secret_sealed: this.seal(id, 'oauth_client_secret_sealed', input.clientSecret),
      username: input.username,
      password_sealed: this.seal(id, 'password_sealed', input.password),
      public_url: input.publicUrl,
      signing_secret_sealed: this.sealOrNull(id, 'signing_secret_sealed', input.signingSecret),
      integration_user: input.integrationUser,
    };
  }

  private seal(id: string, column: SealedColumn, secret: Secret): string {
    return this.box.seal(secret, `connections.${id}.${column}`);
  }

  private sealOrNull(id: string, column: SealedColumn, secret: Secret | null): string | null {
    return secret === null ? null : this.seal(id, column, secret);
  }

  private open(row: ConnectionRow, column: SealedColumn): Secret {
    return this.box.open(row[column] as string, `connections.${row.id}.${column}`);
  }

  private openOrNull(row: ConnectionRow, column: SealedColumn): Secret | null {
    return row[column] === null ? null : this.open(row, column);
  }

  private toConnection(row: ConnectionRow): Connection {
    return {
      id: row.id,
      name: row.name,
      instanceUrl: row.instance_url,
      mode: row.mode,
      clientId: row.oauth_client_id,
      clientSecret: this.open(row, 'oauth_client_secret_sealed'),
      username: row.username,
      password: this.open(row, 'password_sealed'),
      publicUrl: row.public_url,
      signingSecret: this.openOrNull(row, 'signing_secret_sealed'),
      previousSigningSecret: this.openOrNull(row, 'previous_signing_secret_sealed'),
      signingSecretRotatedAt: dateOrNull(row.signing_secret_rotated_at),
      integrationUser: row.integration_user,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
      lastCheck: lastCheckOf(row),
    };
  }
}
