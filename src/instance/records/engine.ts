// Why one file of over 500 lines: InstanceEngine is the one entry point of the record layer (the
// seams below are its contract with the script runtime and the HTTP layer). The work already lives
// in the records/ subfolders listed below; what stays here is the facade and the order of each write
// path inside its transaction (defaults, ACLs, before rules, platform rules, write, after rules,
// async jobs), which reads best in one place.

import { IncidentSnError } from '../../shared/errors';
/**
 * The record engine: every read and write of records goes through here, with the platform's
 * behaviour (sys fields, numbers, defaults, journal fields, priority, closing, role maintenance) and,
 * when asked, ACLs. One engine per thread: construct one in any worker thread on the same database
 * file (`InstanceEngine.open({ dbPath: engine.dbFile, bootstrap: false })`); engines share state only
 * through SQLite, and each drops its cached metadata when the metadata version changes.
 *
 * SEAMS FOR THE SCRIPT RUNTIME
 * (a) Business rules: `engine.setHooks({ businessRules })` with a `BusinessRuleHooks`
 *     (records/hooks.ts), or `startInstance({ hooks })`. Called from `insert`, `update` and `delete`
 *     below (unless the caller passes `runBusinessRules: false`, i.e. setWorkflow(false)):
 *     `before(event)` runs after defaults and ACL checks, before the platform's own rules and the
 *     write; it may change `event.current.values` or return `{ abort: true, ruleName, ruleSysId }`
 *     (the Table API answers 403 "Operation Failed"). `after(event)` runs after the write, inside its
 *     transaction, so the write and what its after rules write commit together, once (their errors
 *     are logged, the write stays). `hasAsync(event)` → true queues, in the write's own
 *     transaction, one `sys_trigger` job of type ASYNC_BUSINESS_RULE_JOB whose payload is an
 *     AsyncRuleJobPayload. `event.tables` is the record's class and its parents (['incident',
 *     'task']), so a rule on `task` matches an incident.
 * (b) Run as another user: `engine.runAs(userNameOrSession, fn)` (AsyncLocalStorage: survives
 *     awaits); `engine.currentSession()` is what gs.getUserName() and sys_created_by see;
 *     `engine.sessionForUser(name)` builds a session with the user's effective roles.
 * (c) Job queue: `engine.jobs` (records/jobs.ts): `enqueue`, atomic `claim(workerId, types?)`,
 *     `complete`, `fail(id, error, retryAtMs?)`, `releaseStale`, `nextRunAt`, `onQueued(listener)`.
 * (d) syslog: `engine.log(level, message, source)`.
 * Also: `query/count/get` with encoded queries (GlideRecord); `matches(table, current, condition,
 * previous)` for filter conditions (VALCHANGES, CHANGESFROM, CHANGESTO included); `canRead/canCreate/canWrite/canDelete
 * (table, session?)` (ACLs without data) and `acl.checkNamed('rest_endpoint', …)`; `displayValue
 * (record, field)`; `getProperty/setProperty`; `decrypt` for password2 values; `setHooks({ aclScript,
 * dynamicValue })` for ACL scripts and `javascript:` query values; `cachedByMetadata(key, build)` for
 * anything derived from metadata (compiled rules); `schema.defineTable/defineColumn` and plain inserts
 * into sys_db_object / sys_dictionary (which run the DDL) for the app installer; `roles.
 * applyPendingGrants()` after installing roles.
 *
 * THE PARTS (one job each; the folders under records/ show them). This class keeps the record
 * operations (get/query/count/insert/update/delete and the write's order of steps) and is the only
 * holder of the database connection; the parts it hands narrow pieces to:
 * - store/: rows (row-store.ts, the only SQL on record tables), the platform's own named reads
 *   (platform-lookups.ts: users, tokens, ACL and rate-limit rules, modules, scopes), the internal
 *   tables (internal-state.ts: number counters, rate-limit counters, pending role grants, installed
 *   property values), attachment bytes (attachment-content.ts);
 * - metadata/: the per-thread metadata cache (dictionary, physical columns, derived values) and its
 *   invalidation across threads;
 * - reactions/: the platform's reactions to metadata writes (cache bumps, schema sync, role cascades
 *   in role-grants.ts);
 * - properties/: system properties; schema/: schema editing (tables, columns, indexes, dictionary
 *   batches); sessions/: who operations run as; write/: input to stored values and the calls into
 *   business rules; jobs.ts: the job queue; syslog.ts: syslog rows.
 * Nothing outside records/ and db/ holds the connection or runs SQL (test/static/record-layer.test.ts).
 */
import type { Logger } from 'pino';
import { silentLogger } from '../../shared/logger';
import { bootstrapBaseSchema } from '../db/bootstrap';
import { MEMORY_DB, openDatabase, type OpenedDatabase, type SqliteDatabase } from '../db/database';
import type { Dictionary, TableMeta } from '../db/dictionary';
import { InstanceMeta, createInternalTables } from '../db/internal-tables';
import {
  AclDeniedError,
  ConstraintViolationError,
  InvalidRequestError,
  OperationAbortedError,
  RecordNotFoundError,
  type AclOperation,
} from '../errors';
import { conditionsOf, evaluateQuery, parseEncodedQuery, queryCondition, type EncodedQuery, type OrderBy } from '../query';
import type { DynamicValueResolver } from '../query/fields';
import { compileQuery, type InvalidCondition } from '../query/sql';
import { AclService, type AclMemo } from '../security/acl';
import { decryptValue, encryptValue } from '../security/crypto';
import { DisplayValues } from './display';
import { MetadataCache } from './metadata/metadata-cache';
import { SystemProperties } from './properties/system-properties';
import { reactToWrite, type ReactionContext } from './reactions/platform-reactions';
import { RoleService } from './reactions/role-grants';
import { SchemaEditor } from './schema/schema-editor';
import { SessionContext } from './sessions/session-context';
import { AttachmentContent } from './store/attachment-content';
import { InstalledPropertyValues, NumberCounters, PendingRoleGrants, RateLimitCounters } from './store/internal-state';
import { PlatformLookups } from './store/platform-lookups';
import { RowStore } from './store/row-store';
import { WriteLock } from '../db/write-lock';
import {
  defaultHooks,
  type AfterRuleEvent,
  type InstanceHooks,
  type MutableRecord,
  type RecordOperation,
  type RecordSnapshot,
  type RecordValues,
} from './hooks';
import { JobQueue } from './jobs';
import { finishValues, journalEntries as journalEntriesOf, normalizeInput } from './write/input-values';
import { queueAsyncRules, runAfter, runBefore } from './write/rule-calls';
import { applyDefaults } from './platform-rules';
import { RecordReader } from './reader';
import { isAdmin, type Session } from './session';
import { Syslog, type SyslogLevel } from './syslog';
import { formatDateTime, isSysId, newSysId, toStringValue } from './values';

/** Decrypted password2 values an engine keeps (a handful in use: secrets, client secrets). */
const MAX_DECRYPTED_KEPT = 256;

export interface EngineOptions {
  /** Database file, or ':memory:' for a private temporary file deleted by close(). */
  dbPath: string;
  /** Create or upgrade the base schema (the owning thread). Worker threads pass false. */
  bootstrap?: boolean;
  logger?: Logger;
  hooks?: Partial<InstanceHooks>;
  /** Clock in epoch ms (tests may pin it). */
  clock?: () => number;
}

export interface ReadOptions {
  session?: Session;
  /** Apply read ACLs (the Table API does; GlideRecord does not). */
  enforceAcl?: boolean;
  /** Per-request memo of ACL decisions. */
  aclMemo?: AclMemo;
}

export interface QueryOptions extends ReadOptions {
  /** Encoded query (string or parsed). */
  query?: string | EncodedQuery;
  /** Extra ordering after the query's own ORDERBY clauses. */
  orderBy?: OrderBy[];
  /** null or undefined: no limit. */
  limit?: number | null;
  offset?: number;
}

export interface QueryResult {
  records: RecordSnapshot[];
  /** Clauses that were ignored (unknown field, unknown operator …). */
  invalid: InvalidCondition[];
  /** Rows of the page left out because the user may not read them. */
  aclFiltered: number;
}

export interface WriteOptions {
  session?: Session;
  /** Apply create/write/delete ACLs (the Table API does; GlideRecord does not). */
  enforceAcl?: boolean;
  /** Run business rules (default true; setWorkflow(false) turns them off). */
  runBusinessRules?: boolean;
  /** sysparm_input_display_value: references and choices are given by display value. */
  inputDisplayValue?: boolean;
  /** Resolve references given as natural keys (user_name, role name, group name …): for seeds. */
  naturalKeyReferences?: boolean;
  /** Accept values for sys_created_on/by, sys_updated_on/by (seeding history); with suppressAutoSysFields, sys_mod_count too (a restore). */
  allowSystemFields?: boolean;
  /**
   * Leave the system fields alone (sysparm_suppress_auto_sys_field, GlideRecord.autoSysFields(false)):
   * an update keeps sys_updated_on/by and sys_mod_count, an insert leaves the created/updated fields empty.
   */
  suppressAutoSysFields?: boolean;
  aclMemo?: AclMemo;
}

/** Columns that identify a record of a table in a seed or an installer's data (beyond sys_id). */
export const NATURAL_KEYS: Readonly<Record<string, string>> = {
  sys_user: 'user_name',
  sys_user_role: 'name',
  sys_user_group: 'name',
  oauth_entity: 'client_id',
  sys_db_object: 'name',
  sys_scope: 'scope',
  task: 'number',
  sys_properties: 'name',
};

/** Settings the instance keeps for itself (instance key, fault settings, seed marker …), shared by every thread. */
export type InstanceSettings = Pick<InstanceMeta, 'get' | 'set' | 'takeCountdown'>;

export class InstanceEngine {
  /** The connection: private to the record layer (tests/static/record-layer.test.ts keeps it so). */
  private readonly db: SqliteDatabase;
  /** The database file (for `:memory:`, the private temporary file): what worker threads open. */
  readonly dbFile: string;
  readonly temporary: boolean;
  /** Key/value settings of the instance itself. */
  readonly meta: InstanceSettings;
  /** Physical rows: only the record layer reads and writes them. */
  private readonly store: RowStore;
  private readonly writeLock: WriteLock;
  private readonly metadata: MetadataCache;
  private readonly sessions: SessionContext;
  private readonly numbers: NumberCounters;
  /** The platform's own reads of its tables (authentication, ACLs, rate limits, the runtime). */
  readonly lookups: PlatformLookups;
  /** Requests counted per rate-limit rule and window. */
  readonly rateLimitCounters: RateLimitCounters;
  /** The property values of the app builds last installed (the installer's memory). */
  readonly installedPropertyValues: InstalledPropertyValues;
  /** The bytes of attachments (their metadata are sys_attachment records). */
  readonly attachmentContent: AttachmentContent;
  readonly jobs: JobQueue;
  readonly acl: AclService;
  readonly roles: RoleService;
  readonly logger: Logger;
  readonly schema: SchemaEditor;
  private readonly syslogWriter: Syslog;
  private readonly opened: OpenedDatabase;
  private readonly instanceMeta: InstanceMeta;
  private readonly clock: () => number;
  private currentHooks: InstanceHooks;
  private readonly properties: SystemProperties;
  private readonly reactions: ReactionContext;
  private instanceKey: string | null = null;
  private closed = false;
  /**
   * Data operations (get, query, count, insert, update, delete; a property read only when it reloads
   * the node's property cache, see properties/system-properties.ts) called on this engine,
   * and those made by scoped apps' synchronous business rules (inside the user's transaction):
   * what a change costs an instance in database work, counted for the benchmark and tests; and the
   * write transactions this engine began (nested ones are savepoints, not counted): one commit each.
   */
  readonly stats = { dataOps: 0, appRuleDataOps: 0, writeTransactions: 0, writeLockWaits: 0, writeLockWaitedMs: 0, metadataVersionReads: 0 };

  private constructor(opened: OpenedDatabase, options: EngineOptions) {
    this.opened = opened;
    this.db = opened.db;
    this.dbFile = opened.file;
    this.temporary = opened.temporary;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? silentLogger();
    this.instanceMeta = new InstanceMeta(this.db);
    this.meta = this.instanceMeta;
    this.store = new RowStore(this.db);
    this.writeLock = new WriteLock(this.db, opened.busyTimeoutMs, this.stats);
    this.metadata = new MetadataCache(this.db, this.instanceMeta, this.stats);
    this.lookups = new PlatformLookups(this.store);
    this.numbers = new NumberCounters(this.db);
    this.rateLimitCounters = new RateLimitCounters(this.db);
    this.installedPropertyValues = new InstalledPropertyValues(this.db);
    this.attachmentContent = new AttachmentContent(this.db);
    this.jobs = new JobQueue(this.db, this.clock);
    this.syslogWriter = new Syslog(this.db, this.clock, (err) => this.logger.error({ err }, 'could not write syslog'));
    this.acl = new AclService(this);
    this.roles = new RoleService({
      store: this.store,
      pending: new PendingRoleGrants(this.db),
      now: () => this.clock(),
      insertDirectGrant: (user, role) => {
        this.insert('sys_user_has_role', { user, role }, { session: this.systemSession(), runBusinessRules: false });
      },
    });
    this.sessions = new SessionContext(this.lookups, this.roles, () => this.checkMetadata());
    this.schema = new SchemaEditor({ engine: this, store: this.store, db: this.db, metadata: this.metadata });
    this.properties = new SystemProperties(this.store, (stored) => this.decrypt(stored));
    this.metadata.onInvalidate((dictionaryToo) => {
      this.properties.invalidate();
      this.sessions.invalidate();
      this.acl.invalidate();
      if (dictionaryToo) this.store.clearStatements();
    });
    this.reactions = {
      store: this.store,
      roles: this.roles,
      schema: this.schema,
      bumpMetadataVersion: (dictionaryChanged) => this.bumpMetadataVersion(dictionaryChanged),
      syncSchema: () => this.syncSchema(),
    };
    this.currentHooks = { ...defaultHooks(), ...options.hooks };
  }

  /** Opens an engine on a database (creating and bootstrapping it unless `bootstrap: false`). */
  static open(options: EngineOptions): InstanceEngine {
    const bootstrap = options.bootstrap ?? true;
    if (!bootstrap && options.dbPath === MEMORY_DB) throw new InvalidRequestError('a worker engine must open an existing database file, not :memory:');
    const opened = openDatabase(options.dbPath, { mustExist: !bootstrap });
    try {
      if (bootstrap) bootstrapBaseSchema(opened.db, (options.clock ?? Date.now)());
      else createInternalTables(opened.db);
      return new InstanceEngine(opened, options);
    } catch (err) {
      opened.close();
      throw err;
    }
  }

  now(): number {
    return this.clock();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opened.close();
  }

  // ── Hooks ────────────────────────────────────────────────────────────────
  hooks(): InstanceHooks {
    return this.currentHooks;
  }

  /** Installs the runtime's business rules and/or ACL script evaluator. */
  setHooks(hooks: Partial<InstanceHooks>): void {
    this.currentHooks = { ...this.currentHooks, ...hooks };
  }

  // ── Metadata (records/metadata/metadata-cache.ts) ─────────────────────────
  /** Drops cached metadata when another connection (or this one) changed it. One indexed read. */
  checkMetadata(): void {
    this.metadata.check();
  }

  /**
   * Marks metadata changed: every engine (every thread) reloads its caches before its next operation.
   * `dictionaryChanged`: tables or columns changed (the dictionary is rebuilt too).
   */
  bumpMetadataVersion(dictionaryChanged = false): void {
    this.metadata.bump(dictionaryChanged);
  }

  /**
   * A value derived from metadata (rate-limit rules, fault settings, the runtime's compiled business
   * rules …), built once and dropped whenever the metadata version changes, in any thread.
   */
  cachedByMetadata<T>(key: string, build: () => T): T {
    return this.metadata.cached(key, build);
  }

  dictionary(): Dictionary {
    return this.metadata.dictionary();
  }

  hasTable(name: string): boolean {
    return this.metadata.hasTable(name);
  }

  tableMeta(name: string): TableMeta {
    return this.metadata.tableMeta(name);
  }

  private physicalColumns(root: string): ReadonlySet<string> {
    return this.metadata.physicalColumns(root);
  }

  // ── Sessions (records/sessions/session-context.ts) ──────────────────────
  systemSession(): Session {
    return this.sessions.systemSession();
  }

  /** The session operations run as: the innermost runAs, else the system. */
  currentSession(): Session {
    return this.sessions.current();
  }

  /** Runs `fn` as another user (by user_name or sys_id, or a session). Works across awaits. */
  runAs<T>(user: string | Session, fn: () => T): T {
    return this.sessions.runAs(user, fn);
  }

  /** Runs `fn`, then puts back the current session even if `fn` was stopped without unwinding (a script timeout). */
  restoringSession<T>(fn: () => T): T {
    return this.sessions.restoring(fn);
  }

  /** A session for a user (by user_name or sys_id) with their effective roles; null when unknown. */
  sessionForUser(userNameOrSysId: string): Session | null {
    return this.sessions.forUser(userNameOrSysId);
  }

  private sessionOf(options: { session?: Session }): Session {
    return options.session ?? this.currentSession();
  }

  // ── ACL checks without data (GlideRecord canRead() & co.) ─────────────────
  canRead(table: string, session: Session = this.currentSession()): boolean {
    return this.canDo('read', table, session);
  }
  canCreate(table: string, session: Session = this.currentSession()): boolean {
    return this.canDo('create', table, session);
  }
  canWrite(table: string, session: Session = this.currentSession()): boolean {
    return this.canDo('write', table, session);
  }
  canDelete(table: string, session: Session = this.currentSession()): boolean {
    return this.canDo('delete', table, session);
  }
  private canDo(operation: AclOperation, table: string, session: Session): boolean {
    this.checkMetadata();
    return this.acl.checkTable(operation, this.tableMeta(table), session);
  }

  // ── Helpers for readers ──────────────────────────────────────────────────
  /** A fresh reader (record cache for one request or one rule event). */
  reader(): RecordReader {
    return new RecordReader(this.dictionary(), this.store);
  }

  displayValues(reader: RecordReader = this.reader()): DisplayValues {
    return new DisplayValues(this.dictionary(), reader, this.store);
  }

  /** The display value of a (possibly dot-walked) field of a record. */
  displayValue(record: RecordSnapshot, field: string): string {
    this.checkMetadata();
    const reader = this.reader();
    const meta = this.tableMeta(record.table);
    const resolved = reader.resolve(meta, record.values as RecordValues, field);
    if (!resolved) return '';
    return this.displayValues(reader).columnDisplay(resolved.table, resolved.column, resolved.value, resolved.sysId) ?? '';
  }

  /** Resolver for `javascript:` values in queries and conditions, for a session. */
  dynamicValues(session: Session): DynamicValueResolver {
    return (expression) => {
      if (expression === 'gs.getUserID()') return session.userSysId;
      if (expression === 'gs.getUserName()') return session.userName;
      if (expression === 'gs.nowDateTime()') return formatDateTime(this.clock());
      return this.currentHooks.dynamicValue?.(expression, session);
    };
  }

  /**
   * Whether a record matches an encoded query (a business rule's filter_condition, an ACL
   * condition), with `previous` for VALCHANGES / CHANGESFROM / CHANGESTO. Without `previous`, every
   * previous value counts as empty (as on insert).
   */
  matches(table: string, values: RecordValues, condition: string | EncodedQuery, previous: RecordValues | null = null, session: Session = this.currentSession()): boolean {
    this.checkMetadata();
    const parsed = typeof condition === 'string' ? parseEncodedQuery(condition) : condition;
    const ctx = this.reader().context(this.tableMeta(table), values, previous, {
      invalidReturnsNoRows: this.invalidReturnsNoRows(),
      dynamicValue: this.dynamicValues(session),
    });
    return evaluateQuery(parsed, ctx);
  }

  private invalidReturnsNoRows(): boolean {
    return this.platformProperty('glide.invalid_query.returns_no_rows') === 'true';
  }

  // ── Reads ────────────────────────────────────────────────────────────────
  get(table: string, sysId: string, options: ReadOptions = {}): RecordSnapshot | null {
    this.stats.dataOps++;
    this.checkMetadata();
    const meta = this.tableMeta(table);
    if (!sysId) return null;
    const values = this.store.read(meta, sysId);
    if (!values) return null;
    const snapshot = this.snapshot(meta, values);
    if (options.enforceAcl && !this.acl.canRead(meta, this.sessionOf(options), { table: meta, values }, options.aclMemo)) return null;
    return snapshot;
  }

  query(table: string, options: QueryOptions = {}): QueryResult {
    this.stats.dataOps++;
    this.checkMetadata();
    const meta = this.tableMeta(table);
    const session = this.sessionOf(options);
    const parsed = typeof options.query === 'string' || options.query === undefined ? parseEncodedQuery(options.query) : options.query;
    const query: EncodedQuery = options.orderBy ? { ...parsed, orderBy: [...parsed.orderBy, ...options.orderBy] } : parsed;
    const acl = Boolean(options.enforceAcl) && !session.isSystem;
    if (acl) this.assertQueryReadable(meta, query, session, options.aclMemo);
    const compiled = compileQuery(query, meta, this.dictionary(), { invalidReturnsNoRows: this.invalidReturnsNoRows(), dynamicValue: this.dynamicValues(session) });
    const rows = this.store.select(meta, compiled, options.limit ?? null, Math.max(0, options.offset ?? 0));
    let aclFiltered = 0;
    const records: RecordSnapshot[] = [];
    for (const values of rows) {
      if (acl && !this.acl.canRead(meta, session, { table: meta, values }, options.aclMemo)) {
        aclFiltered++;
        continue;
      }
      records.push(this.snapshot(meta, values));
    }
    return { records, invalid: compiled.invalid, aclFiltered };
  }

  /** Number of rows matching a query (before any ACL filtering, like the platform's count). */
  count(table: string, query: string | EncodedQuery = '', options: ReadOptions = {}): number {
    this.stats.dataOps++;
    this.checkMetadata();
    const meta = this.tableMeta(table);
    const parsed = typeof query === 'string' ? parseEncodedQuery(query) : query;
    const session = this.sessionOf(options);
    if (options.enforceAcl && !session.isSystem) this.assertQueryReadable(meta, parsed, session, options.aclMemo);
    return this.store.count(meta, compileQuery(parsed, meta, this.dictionary(), { invalidReturnsNoRows: this.invalidReturnsNoRows(), dynamicValue: this.dynamicValues(session) }));
  }

  /** Table read must be possible at all, and every field named in the query readable. */
  private assertQueryReadable(meta: TableMeta, query: EncodedQuery, session: Session, memo?: AclMemo): void {
    if (!this.acl.canRead(meta, session, undefined, memo)) throw new AclDeniedError('read', meta.name, 'table');
    const fields = new Set([...conditionsOf(query).map((c) => c.field.split('.')[0]), ...query.orderBy.map((o) => o.field.split('.')[0])]);
    for (const field of fields) {
      if (!meta.columns.has(field)) continue;
      if (!this.acl.checkField('read', meta, field, session, undefined, memo)) throw new AclDeniedError('read', meta.name, 'query_fields');
    }
  }

  private snapshot(meta: TableMeta, values: RecordValues): RecordSnapshot {
    const cls = values.sys_class_name && this.dictionary().table(values.sys_class_name) ? values.sys_class_name : meta.name;
    return { table: cls, sysId: values.sys_id, values };
  }

  /** Whether a user may read a field of a record (table-level read is checked separately). */
  canReadField(meta: TableMeta, field: string, session: Session, values: RecordValues | undefined, memo?: AclMemo): boolean {
    return this.acl.checkField('read', meta, field, session, values ? { table: meta, values } : undefined, memo);
  }

  // ── Writes ───────────────────────────────────────────────────────────────
  insert(table: string, input: Record<string, unknown>, options: WriteOptions = {}): RecordSnapshot {
    this.stats.dataOps++;
    this.checkMetadata();
    const meta = this.tableMeta(table);
    const session = this.sessionOf(options);
    const nowMs = this.clock();
    const now = formatDateTime(nowMs);
    const acl = Boolean(options.enforceAcl) && !session.isSystem;
    const { values: given, journal } = normalizeInput(this, meta, input, options);
    const requestedId = toStringValue(input.sys_id);
    const sysId = requestedId && isSysId(requestedId) ? requestedId.toLowerCase() : requestedId && options.allowSystemFields ? requestedId : newSysId();
    // A sys_id made here is new; one given may exist (a generated one that did would be refused by the key).
    if (requestedId && this.store.exists(meta.root, sysId)) {
      // What the platform answers when the database refuses a duplicate key.
      throw new OperationAbortedError('Operation Failed', `Error during insert of ${meta.name} (${given[meta.displayColumn] || sysId})`);
    }
    if (acl) {
      for (const field of Object.keys(given)) {
        if (!this.acl.checkField('create', meta, field, session, undefined, options.aclMemo)) delete given[field];
      }
    }
    const values: RecordValues = { ...given };
    applyDefaults(meta, values, session, nowMs);
    values.sys_id = sysId;
    if (!options.suppressAutoSysFields) {
      if (!options.allowSystemFields || !values.sys_created_on) values.sys_created_on = now;
      if (!options.allowSystemFields || !values.sys_created_by) values.sys_created_by = session.userName;
      if (!options.allowSystemFields || !values.sys_updated_on) values.sys_updated_on = values.sys_created_on;
      if (!options.allowSystemFields || !values.sys_updated_by) values.sys_updated_by = values.sys_created_by;
    }
    values.sys_mod_count = '0';
    if (meta.hasClassColumn) values.sys_class_name = meta.name;
    if (meta.numbering && meta.columns.has('number') && !values.number) values.number = this.nextNumber(meta);
    if (acl && !this.acl.checkTable('create', meta, session, { table: meta, values }, options.aclMemo)) throw new AclDeniedError('create', meta.name);

    const current: MutableRecord = { table: meta.name, sysId, values: { ...values, ...journal } };
    const runRules = options.runBusinessRules ?? true;
    if (runRules) runBefore(this, 'insert', meta, current, null, session);
    const final = finishValues(this, meta, current.values, null, session, nowMs, 'insert');
    const journalEntries = journalEntriesOf(meta, current.values);
    const changedFields = [...Object.keys(final).filter((k) => final[k] !== ''), ...Object.keys(journalEntries)];
    const snapshot: RecordSnapshot = { table: meta.name, sysId, values: final };
    const afterEvent: AfterRuleEvent = { operation: 'insert', tables: meta.hierarchy, session, current: snapshot, previous: null, changedFields };
    const physical = this.physicalColumns(meta.root);
    let stored = false;
    this.refusingDuplicates('insert', meta, final, () =>
      this.transaction(() => {
        const serial = this.store.insert(meta.root, final, physical);
        this.writeJournal(meta, sysId, journalEntries, session, now, runRules);
        this.afterWriteInTransaction('insert', meta, final, null);
        if (runRules) queueAsyncRules(this, afterEvent);
        if (runRules) runAfter(this, afterEvent);
        stored = this.storedAsWritten(sysId, serial, meta.root, physical);
      }),
    );
    if (stored) {
      // The row as a read would give it: every column of its table, '' where nothing was set.
      const row: RecordValues = {};
      for (const column of physical) row[column] = final[column] ?? '';
      return this.snapshot(meta, row);
    }
    return this.reread(meta, sysId) ?? snapshot;
  }

  update(table: string, sysId: string, input: Record<string, unknown>, options: WriteOptions = {}): RecordSnapshot {
    this.stats.dataOps++;
    this.checkMetadata();
    const requested = this.tableMeta(table);
    const session = this.sessionOf(options);
    const acl = Boolean(options.enforceAcl) && !session.isSystem;
    const previousValues = this.store.read(requested, sysId);
    if (!previousValues) throw new RecordNotFoundError(requested.name, sysId);
    const meta = this.classMeta(requested, previousValues);
    if (acl) {
      if (!this.acl.canRead(requested, session, { table: requested, values: previousValues }, options.aclMemo)) throw new RecordNotFoundError(requested.name, sysId);
      if (!this.acl.checkTable('write', requested, session, { table: requested, values: previousValues }, options.aclMemo)) throw new AclDeniedError('write', requested.name);
    }
    const nowMs = this.clock();
    const now = formatDateTime(nowMs);
    const { values: given, journal } = normalizeInput(this, requested, input, options);
    if (acl) {
      for (const field of [...Object.keys(given), ...Object.keys(journal)]) {
        if (!this.acl.checkField('write', requested, field, session, { table: requested, values: previousValues }, options.aclMemo)) {
          delete given[field];
          delete journal[field];
        }
      }
    }
    const previous: RecordSnapshot = { table: meta.name, sysId, values: previousValues };
    const current: MutableRecord = { table: meta.name, sysId, values: { ...previousValues, ...given, ...journal } };
    const runRules = options.runBusinessRules ?? true;
    if (runRules) runBefore(this, 'update', meta, current, previous, session);
    const final = finishValues(this, meta, current.values, previousValues, session, nowMs, 'update');
    const journalEntries = journalEntriesOf(meta, current.values);
    const physical = this.physicalColumns(meta.root);
    const changed = Object.keys(final).filter((k) => final[k] !== (previousValues[k] ?? '') && physical.has(k));
    if (changed.length === 0 && Object.keys(journalEntries).length === 0) return previous;
    const changes: RecordValues = {};
    for (const k of changed) changes[k] = final[k];
    if (!options.suppressAutoSysFields) {
      if (!options.allowSystemFields || !given.sys_updated_on) changes.sys_updated_on = now;
      if (!options.allowSystemFields || !given.sys_updated_by) changes.sys_updated_by = session.userName;
      changes.sys_mod_count = String(Number(previousValues.sys_mod_count || '0') + 1);
    }
    const written = { ...previousValues, ...changes };
    const snapshot: RecordSnapshot = { table: meta.name, sysId, values: written };
    const afterEvent: AfterRuleEvent = {
      operation: 'update',
      tables: meta.hierarchy,
      session,
      current: snapshot,
      previous,
      changedFields: [...changed, ...Object.keys(journalEntries)],
    };
    let stored = false;
    this.refusingDuplicates('update', meta, written, () =>
      this.transaction(() => {
        const serial = this.store.update(meta.root, sysId, changes, physical);
        this.writeJournal(meta, sysId, journalEntries, session, now, runRules);
        this.afterWriteInTransaction('update', meta, written, previousValues);
        if (runRules) queueAsyncRules(this, afterEvent);
        if (runRules) runAfter(this, afterEvent);
        stored = this.storedAsWritten(sysId, serial, meta.root, physical);
      }),
    );
    return stored ? this.snapshot(meta, { ...written }) : (this.reread(meta, sysId) ?? snapshot);
  }

  delete(table: string, sysId: string, options: WriteOptions = {}): RecordSnapshot {
    this.stats.dataOps++;
    this.checkMetadata();
    const requested = this.tableMeta(table);
    const session = this.sessionOf(options);
    const acl = Boolean(options.enforceAcl) && !session.isSystem;
    const values = this.store.read(requested, sysId);
    if (!values) throw new RecordNotFoundError(requested.name, sysId);
    const meta = this.classMeta(requested, values);
    if (acl) {
      if (!this.acl.canRead(requested, session, { table: requested, values }, options.aclMemo)) throw new RecordNotFoundError(requested.name, sysId);
      if (!this.acl.checkTable('delete', requested, session, { table: requested, values }, options.aclMemo)) throw new AclDeniedError('delete', requested.name);
    }
    const snapshot: RecordSnapshot = { table: meta.name, sysId, values };
    const runRules = options.runBusinessRules ?? true;
    if (runRules) runBefore(this, 'delete', meta, { table: meta.name, sysId, values: { ...values } }, snapshot, session);
    const afterEvent: AfterRuleEvent = { operation: 'delete', tables: meta.hierarchy, session, current: snapshot, previous: snapshot, changedFields: [] };
    this.transaction(() => {
      this.store.delete(meta.root, sysId);
      this.afterWriteInTransaction('delete', meta, values, values);
      if (runRules) queueAsyncRules(this, afterEvent);
      if (runRules) runAfter(this, afterEvent);
    });
    return snapshot;
  }

  /**
   * Runs a write; a unique index refusing it becomes the platform's answer to a duplicate (403
   * Operation Failed, "Error during insert of <table> (<display value>)") instead of a storage error,
   * and a syslog error, as the platform logs a "Unique Key violation detected by database".
   */
  private refusingDuplicates(operation: 'insert' | 'update', meta: TableMeta, values: RecordValues, write: () => void): void {
    try {
      write();
    } catch (err) {
      if (!(err instanceof ConstraintViolationError)) throw err;
      // The platform logs the database's refusal (a script's insert() then returns null).
      const cause = err.cause instanceof Error ? err.cause.message : '';
      this.log('error', `Unique Key violation detected by database (${cause || 'duplicate entry'}) during ${operation} of ${meta.name}`);
      throw new OperationAbortedError('Operation Failed', `Error during ${operation} of ${meta.name} (${values[meta.displayColumn] || values.sys_id})`, { cause: err });
    }
  }

  /** Runs `fn` in one write transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.db.transaction(fn)();
    this.stats.writeTransactions++;
    try {
      return this.writeLock.run(fn);
    } finally {
      this.store.forgetWrites();
    }
  }

  /** Whether a write transaction is open on this engine's connection. */
  inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /**
   * Rolls back a transaction left open by code that was stopped without unwinding (a script timeout
   * terminates JavaScript without running catch or finally blocks). Nothing when none is open.
   */
  abandonTransaction(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  private classMeta(requested: TableMeta, values: RecordValues): TableMeta {
    const cls = values.sys_class_name;
    return (cls && this.dictionary().table(cls)) || requested;
  }

  /**
   * Whether the row a write stored is still the row it wrote at the end of its transaction: nothing
   * wrote it again (an after rule, a platform reaction) and no column was added to its table. Then
   * the write answers with what it wrote, without reading the row back.
   */
  private storedAsWritten(sysId: string, serial: number, root: string, physical: ReadonlySet<string>): boolean {
    return this.store.latestWriteOf(sysId) === serial && this.physicalColumns(root) === physical;
  }

  private reread(meta: TableMeta, sysId: string): RecordSnapshot | null {
    const values = this.store.read(meta, sysId);
    return values ? this.snapshot(meta, values) : null;
  }

  /** A referenced record's sys_id from its natural key or display value. */
  lookupReference(table: string, key: string, natural: boolean): string | null {
    const meta = this.dictionary().table(table);
    if (!meta) return null;
    const keyColumn = natural ? (meta.hierarchy.map((t) => NATURAL_KEYS[t]).find((k) => k && meta.columns.has(k)) ?? meta.displayColumn) : meta.displayColumn;
    const result = this.query(table, { query: queryCondition(keyColumn, '=', key), limit: 1, session: this.systemSession() });
    return result.records[0]?.sysId ?? null;
  }

  /**
   * Appends the journal entries of a write. Each goes through insert() so that business rules on
   * sys_journal_field run (on the platform a comment or work note is a sys_journal_field insert with
   * its own rules), inside the parent write's transaction.
   */
  private writeJournal(meta: TableMeta, sysId: string, entries: RecordValues, session: Session, now: string, runBusinessRules: boolean): void {
    for (const [element, value] of Object.entries(entries)) {
      this.insert(
        'sys_journal_field',
        { element, element_id: sysId, name: meta.name, value, sys_created_on: now, sys_created_by: session.userName, sys_updated_on: now, sys_updated_by: session.userName },
        { session, runBusinessRules, allowSystemFields: true },
      );
    }
  }

  /** The next number for a numbered table (`INC0010001`). Counters live in SQLite, shared by threads. */
  nextNumber(meta: TableMeta): string {
    const numbering = meta.numbering;
    if (!numbering) return '';
    return `${numbering.prefix}${String(this.numbers.next(numbering.table, numbering.start)).padStart(numbering.digits, '0')}`;
  }

  /** The platform's own reactions to writes, inside the write's transaction (records/reactions/platform-reactions.ts). */
  private afterWriteInTransaction(operation: RecordOperation, meta: TableMeta, current: RecordValues, previous: RecordValues | null): void {
    reactToWrite(this.reactions, operation, meta, current, previous);
    this.currentHooks.writeObserver?.({ operation, table: meta.name, sysId: current.sys_id ?? '', current, previous });
  }

  /** Re-reads the dictionary and brings the physical tables in line (inside the caller's transaction). */
  syncSchema(): void {
    this.schema.syncSchema();
  }

  /** Whether a row with this sys_id exists in the table's hierarchy (any class; no ACLs, not a counted data operation). */
  rowExists(table: string, sysId: string): boolean {
    return this.store.exists(this.tableMeta(table).root, sysId);
  }

  // ── Properties ───────────────────────────────────────────────────────────
  /** A system property's value (password2 values decrypted), or `fallback` when it does not exist. */
  getProperty(name: string, fallback?: string): string | undefined {
    return this.countingPropertyLoads(() => this.platformProperty(name, fallback));
  }

  /** getProperty for the platform's own reads (not counted as a caller's data operation). */
  platformProperty(name: string, fallback?: string): string | undefined {
    this.checkMetadata();
    return this.properties.get(name, fallback);
  }

  /**
   * A system property as stored (password2 values encrypted) with its type, or undefined. Served from
   * the node's property cache: a caller's data operation only when the cache had to be reloaded.
   */
  getStoredProperty(name: string): { value: string; type: string } | undefined {
    return this.countingPropertyLoads(() => {
      this.checkMetadata();
      return this.properties.stored(name);
    });
  }

  /** Runs a property read, counting a data operation when it (re)filled the property cache (a read from the cache is none). */
  private countingPropertyLoads<T>(read: () => T): T {
    const loads = this.properties.loads;
    const value = read();
    this.stats.dataOps += this.properties.loads - loads;
    return value;
  }

  /** Creates or updates a system property (as the system). */
  setProperty(name: string, value: string, type = 'string', extra: Record<string, string> = {}): void {
    const existing = this.query('sys_properties', { query: queryCondition('name', '=', name), limit: 1, session: this.systemSession() }).records[0];
    if (existing) this.update('sys_properties', existing.sysId, { value, type, ...extra }, { session: this.systemSession() });
    else this.insert('sys_properties', { name, value, type, ...extra }, { session: this.systemSession() });
  }

  // ── Crypto ───────────────────────────────────────────────────────────────
  /** Clear texts of the password2 values decrypted so far, by stored text (this engine's thread only). */
  private readonly decrypted = new Map<string, string>();

  private key(): string {
    if (!this.instanceKey) {
      const key = this.meta.get('instance_key');
      if (!key) throw new IncidentSnError('the instance key is missing: the database was not bootstrapped', { code: 'instance_not_bootstrapped' });
      this.instanceKey = key;
    }
    return this.instanceKey;
  }

  encrypt(clear: string): string {
    return encryptValue(this.key(), clear);
  }

  /** The clear text of a password2 value (what the runtime's getDecryptedValue() returns). */
  decrypt(stored: string): string {
    // The same stored text always decrypts to the same clear text (a new value is a new text: a fresh
    // IV each time): a delivery reads the signing secret on every push, and an AES-GCM decipher costs
    // a tenth of a millisecond here.
    const known = this.decrypted.get(stored);
    if (known !== undefined) return known;
    const clear = decryptValue(this.key(), stored);
    if (this.decrypted.size >= MAX_DECRYPTED_KEPT) this.decrypted.clear();
    this.decrypted.set(stored, clear);
    return clear;
  }

  // ── Logging ──────────────────────────────────────────────────────────────
  /** Writes a syslog row (and a debug log line). */
  log(level: SyslogLevel, message: string, source = '', options: { application?: string } = {}): void {
    this.logger.debug({ level, source }, message);
    this.syslogWriter.write(level, message, source, { ...options, userName: this.currentSession().userName });
  }

  isAdmin(session: Session = this.currentSession()): boolean {
    return isAdmin(session);
  }
}
