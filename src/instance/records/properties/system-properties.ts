import type { RowStore } from '../store/row-store';

/**
 * System properties as the engine reads them: the node's property cache. As on the platform, every
 * node (here: every engine, one per thread) keeps all of sys_properties in memory and serves
 * gs.getProperty() from it, without a database call; a write to a sys_properties record (any path:
 * gs.setProperty, the Table API, an app install) bumps the metadata version, so every engine drops
 * its copy and reloads all properties from the database on its next read (one query). `loads`
 * counts those reloads: the only property reads that are database operations. password2 values are
 * decrypted on the way out.
 */
export class SystemProperties {
  private cache: Map<string, { value: string; type: string }> | null = null;
  /** How many times the cache was (re)filled from sys_properties: one database query each. */
  loads = 0;

  constructor(
    private readonly store: RowStore,
    private readonly decrypt: (stored: string) => string,
  ) {}

  invalidate(): void {
    this.cache = null;
  }

  /** A property's value (password2 decrypted), or `fallback` when it does not exist. */
  get(name: string, fallback?: string): string | undefined {
    const prop = this.stored(name);
    if (!prop) return fallback;
    return prop.type === 'password2' ? this.decrypt(prop.value) : prop.value;
  }

  /** A property as stored (password2 values encrypted) with its type, or undefined. */
  stored(name: string): { value: string; type: string } | undefined {
    if (!this.cache) {
      this.loads++;
      const rows = this.store.columnsOf('sys_properties', ['name', 'value', 'type']);
      this.cache = new Map(rows.filter((r) => r.name).map((r) => [r.name, { value: r.value, type: r.type || 'string' }]));
    }
    return this.cache.get(name);
  }
}
