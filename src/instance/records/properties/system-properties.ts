import type { RowStore } from '../store/row-store';

/**
 * System properties as the engine reads them: all of sys_properties cached per metadata version
 * (a write to sys_properties bumps it), password2 values decrypted on the way out.
 */
export class SystemProperties {
  private cache: Map<string, { value: string; type: string }> | null = null;

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
      const rows = this.store.columnsOf('sys_properties', ['name', 'value', 'type']);
      this.cache = new Map(rows.filter((r) => r.name).map((r) => [r.name, { value: r.value, type: r.type || 'string' }]));
    }
    return this.cache.get(name);
  }
}
