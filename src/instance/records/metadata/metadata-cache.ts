import { readDictionarySource } from '../../db/bootstrap';
import type { SqliteDatabase } from '../../db/database';
import { Dictionary, type TableMeta } from '../../db/dictionary';
import type { InstanceMeta } from '../../db/internal-tables';
import { UnknownTableError } from '../../errors';

/**
 * What an engine knows from metadata, kept per thread and dropped when the shared metadata version
 * moves (any thread, any engine on the same file): the dictionary (tables, columns, choices,
 * numbering), each hierarchy's physical columns, and values derived from metadata (compiled rules,
 * rate-limit rules …). Other caches (properties, sessions, ACLs, prepared statements) register to be
 * dropped with it.
 */
/** Metadata bumps made by any engine of this thread: another engine on the same file must not skip its check. */
let bumpsInThread = 0;

/** Longest a synchronous run (a worker's job blocked on outbound HTTP) goes on with one check. */
const CHECK_REUSE_MS = 20;

export class MetadataCache {
  private metadataVersion = -1;
  /**
   * The last check, reused by every later one of the same synchronous run (the task the event loop
   * is running and the promise jobs it leads to, until their queue is empty; CHECK_REUSE_MS at most)
   * while no engine of this thread bumped the version: a change committed by another thread during
   * the run counts as committed just after it. Nothing from another thread (a message, an answer, a
   * timer) is handled before the run ends, so what a later task does sees every change committed
   * before it started. The check is one SQLite read; a single Table API write makes dozens, and its
   * request handler, one run through several `await`s of settled promises, four before this reuse
   * covered the promise jobs.
   */
  private checkedAtMs = -1;
  private checkedBumps = -1;
  private checkInTick = false;
  private readonly endTick = (): void => {
    this.checkInTick = false;
  };
  /**
   * Queued as a promise job: ends the run once the promise job queue is empty. A `nextTick` queued
   * from a promise job runs only after V8 has emptied that queue (promise jobs queued meanwhile
   * included), and always before the event loop takes its next task.
   */
  private readonly endTickAfterPromiseJobs = (): void => {
    process.nextTick(this.endTick);
  };
  private dictionaryVersion = -1;
  private dictionaryCache: Dictionary | null = null;
  private readonly physicalCache = new Map<string, ReadonlySet<string>>();
  private readonly derived = new Map<string, unknown>();
  private readonly listeners: Array<(dictionaryToo: boolean) => void> = [];

  constructor(
    private readonly db: SqliteDatabase,
    private readonly meta: InstanceMeta,
    /** Counts the checks that read the version (the others reused the run's check). */
    private readonly stats: { metadataVersionReads: number } = { metadataVersionReads: 0 },
  ) {}

  /** Calls `listener` whenever cached metadata is dropped (`dictionaryToo`: tables or columns changed). */
  onInvalidate(listener: (dictionaryToo: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Drops cached metadata when another connection (or this one) changed it. One indexed read (or none, see checkedAtMs). */
  check(): void {
    const now = Date.now();
    if (this.checkInTick && this.checkedBumps === bumpsInThread && now - this.checkedAtMs < CHECK_REUSE_MS && now >= this.checkedAtMs) return;
    if (!this.checkInTick) {
      this.checkInTick = true;
      queueMicrotask(this.endTickAfterPromiseJobs);
    }
    this.checkedAtMs = now;
    this.checkedBumps = bumpsInThread;
    this.stats.metadataVersionReads++;
    const versions = this.meta.versions();
    if (versions.metadata !== this.metadataVersion) {
      this.invalidate(versions.dictionary !== this.dictionaryVersion);
      this.metadataVersion = versions.metadata;
      this.dictionaryVersion = versions.dictionary;
    }
  }

  /** Drops what this thread cached (the dictionary too when `dictionaryToo`). */
  invalidate(dictionaryToo: boolean): void {
    this.derived.clear();
    if (dictionaryToo) {
      this.dictionaryCache = null;
      this.physicalCache.clear();
    }
    for (const listener of this.listeners) listener(dictionaryToo);
  }

  /** Marks metadata changed for every engine in every thread (and drops this one's caches now). */
  bump(dictionaryChanged: boolean): void {
    bumpsInThread++;
    this.invalidate(dictionaryChanged);
    this.metadataVersion = this.meta.bumpMetadataVersion(dictionaryChanged);
    if (dictionaryChanged) this.dictionaryVersion = this.meta.versions().dictionary;
  }

  /** A value derived from metadata, built once per metadata version. */
  cached<T>(key: string, build: () => T): T {
    this.check();
    if (this.derived.has(key)) return this.derived.get(key) as T;
    const value = build();
    this.derived.set(key, value);
    return value;
  }

  dictionary(): Dictionary {
    if (!this.dictionaryCache) this.dictionaryCache = Dictionary.build(readDictionarySource(this.db));
    return this.dictionaryCache;
  }

  hasTable(name: string): boolean {
    this.check();
    return this.dictionary().table(name) !== undefined;
  }

  tableMeta(name: string): TableMeta {
    const meta = this.dictionary().table(name);
    if (!meta) throw new UnknownTableError(name);
    return meta;
  }

  /** Physical tables changed (DDL ran): forget their columns. */
  physicalTablesChanged(): void {
    this.physicalCache.clear();
  }

  /** The columns a hierarchy's physical table has (what a write may store). */
  physicalColumns(root: string): ReadonlySet<string> {
    let set = this.physicalCache.get(root);
    if (!set) {
      set = new Set(this.dictionary().physicalColumns(root).map((c) => c.name));
      this.physicalCache.set(root, set);
    }
    return set;
  }
}
