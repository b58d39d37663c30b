import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';
import { encodedQuery, type TableClient, type TableRecord } from '../client';
import type { CatalogStore } from '../store/catalog-store';
import type { Connection } from '../store';

/**
 * Names to sys_ids for writes: a lead's email to a `sys_user`, the mapping's assignment group name to
 * a `sys_user_group`. The imported catalog answers first (no call); otherwise one Table API query,
 * built with the encoded-query builder (never pasted). Groups are remembered for a while.
 */

const GROUP_CACHE_MS = 10 * 60_000;

function sysIdOf(record: TableRecord | undefined): string | undefined {
  const value = record?.sys_id;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export class ServiceNowLookups {
  private readonly groups = new Map<string, { at: number; sysId: string | null }>();

  constructor(
    private readonly catalog: CatalogStore | undefined,
    private readonly logger?: Logger,
  ) {}

  /** The catalog's answer, or undefined when it cannot be read (logged: the Table API is asked instead). */
  private async fromCatalog<T>(what: string, read: () => Promise<T> | undefined): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      this.logger?.warn({ lookup: what, err: describeError(err) }, 'the imported catalog could not be read; asking ServiceNow instead');
      return undefined;
    }
  }

  /** The active user with this email, or null when the instance has none. */
  async userByEmail(connection: Connection, table: TableClient, email: string, signal?: AbortSignal): Promise<string | null> {
    const wanted = email.trim().toLowerCase();
    if (wanted === '') return null;
    const known = await this.fromCatalog('user by email', () => this.catalog?.findUserByEmail(connection.id, wanted));
    if (known && known.active && known.deletedAt === null) return known.sysId;
    const page = await table.listPage('sys_user', {
      query: encodedQuery().where('email', '=', wanted).and('active', '=', true),
      fields: ['sys_id'],
      limit: 1,
      noCount: true,
      ...(signal ? { signal } : {}),
    });
    return sysIdOf(page.records[0]) ?? null;
  }

  /** The group with this name, or null. */
  async groupByName(connection: Connection, table: TableClient, name: string, signal?: AbortSignal): Promise<string | null> {
    const key = `${connection.id}:${name.trim().toLowerCase()}`;
    const cached = this.groups.get(key);
    if (cached && Date.now() - cached.at < GROUP_CACHE_MS) return cached.sysId;
    const known = await this.fromCatalog('group by name', () => this.catalog?.findGroupByName(connection.id, name));
    let sysId: string | null = known && known.deletedAt === null ? known.sysId : null;
    if (!sysId) {
      const page = await table.listPage('sys_user_group', {
        query: encodedQuery().where('name', '=', name.trim()),
        fields: ['sys_id'],
        limit: 1,
        noCount: true,
        ...(signal ? { signal } : {}),
      });
      sysId = sysIdOf(page.records[0]) ?? null;
    }
    this.groups.set(key, { at: Date.now(), sysId });
    return sysId;
  }
}
