import { IncidentSnError } from '../../../shared/errors';
import { queryCondition } from '../../query';
import type { SyslogLevel } from '../../records/syslog';
import { sessionHasRole } from '../../records/session';
import { formatDate, formatDateTime, newSysId, toStringValue } from '../../records/values';
import { blockFor } from '../outbound/sync-http';
import { GlideElementImpl } from './glide-record';
import { scopeNameOf, type GlideHost } from './host';
import { withUnsupportedMembers } from './unsupported';

/**
 * The `gs` object (GlideSystem): properties, the user, logging to syslog, GUIDs, messages.
 *
 * - getProperty(name, fallback): the stored value. The API reference does not say that a password2
 *   property comes back decrypted, so it comes back as stored (encrypted), unless the property
 *   PASSWORD2_GET_DECRYPTS is `true` (emulates the reading app 1.0.0 relied on). A property that does
 *   not exist, or whose value is empty (stored as NULL on the platform), gives `fallback` (null when
 *   none is given).
 * - setProperty(name, value): only a property within the script's scope (the API reference's words):
 *   a scoped script setting another scope's property fails. Updates the value only (a password2
 *   property stays password2 and is encrypted at rest); creates a string property when it does not
 *   exist. Runs as the current user, without ACLs, as the platform does.
 * - hasRole(): admin holds every role; a comma-separated list means any of them.
 * - info/warn/error/debug/log write syslog rows; the source is the script's scope in a scoped app
 *   (`x_incident_io`), `*** Script` otherwise, or the source given to gs.log().
 * - Events (eventQueue), sessions, UI messages and anything else not listed here fail with an error
 *   naming the API.
 */

/** Set to `true` on the local instance to have gs.getProperty() decrypt password2 properties. */
export const PASSWORD2_GET_DECRYPTS = 'glide.local.password2_property.get_decrypts';

function format(message: unknown, params: unknown[]): string {
  let text = message instanceof GlideElementImpl ? message.toString() : toStringValue(message);
  params.forEach((param, i) => {
    text = text.split(`{${i}}`).join(toStringValue(param instanceof GlideElementImpl ? param.toString() : param));
  });
  return text;
}

export function createGs(host: GlideHost): Record<string, unknown> {
  const uiMessage = (type: 'info' | 'error', message: string): void => {
    const collected = host.uiMessages();
    if (collected) collected.push({ type, message });
    else write('debug', `${type} message: ${message}`);
  };
  const engine = host.engine;

  const logSource = (): string => {
    const scope = host.frame()?.scope ?? 'global';
    return scope === 'global' ? '*** Script' : scope;
  };
  const write = (level: SyslogLevel, text: string, source = logSource()): void => {
    const scope = host.frame()?.scope;
    engine.log(level, text, source, { application: scope && scope !== 'global' ? scope : undefined });
  };

  const userRecord = (): Record<string, string> | null => {
    const session = host.session();
    if (!session.userSysId) return null;
    return (engine.get('sys_user', session.userSysId, { session: engine.systemSession() })?.values as Record<string, string> | undefined) ?? null;
  };

  const hasRole = (roles: unknown): boolean => {
    const session = host.session();
    const wanted = toStringValue(roles)
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    if (wanted.length === 0) return true;
    return wanted.some((role) => sessionHasRole(session, role));
  };

  const glideUser = () => {
    const session = host.session();
    const row = userRecord();
    return withUnsupportedMembers(
      {
        getID: () => session.userSysId,
        getName: () => session.userName,
        getUserName: () => session.userName,
        getDisplayName: () => session.displayName,
        getFullName: () => session.displayName,
        getFirstName: () => row?.first_name ?? '',
        getLastName: () => row?.last_name ?? '',
        getEmail: () => row?.email ?? '',
        hasRole: (role: unknown) => hasRole(role),
        hasRoles: () => session.roles.size > 0,
        getRoles: () => [...session.roles],
        isMemberOf: (group: unknown) => {
          const name = toStringValue(group);
          if (!session.userSysId || !name) return false;
          const found = engine.query('sys_user_grmember', {
            query: `${queryCondition('user', '=', session.userSysId)}^${queryCondition('group.name', '=', name)}^OR${queryCondition('group', '=', name)}`,
            limit: 1,
            session: engine.systemSession(),
          });
          return found.records.length > 0;
        },
      },
      'GlideUser',
    );
  };

  const gs = {
    getProperty(name: unknown, fallback?: unknown): string | null {
      const stored = engine.getStoredProperty(toStringValue(name));
      const decrypts = stored?.type === 'password2' && engine.platformProperty(PASSWORD2_GET_DECRYPTS) === 'true';
      const value = stored === undefined ? undefined : decrypts ? engine.decrypt(stored.value) : stored.value;
      if (value === undefined || value === '') return fallback === undefined ? (value === undefined ? null : '') : toStringValue(fallback);
      return value;
    },
    setProperty(name: unknown, value: unknown, description?: unknown): void {
      const key = toStringValue(name);
      const text = value instanceof GlideElementImpl ? value.toString() : toStringValue(value);
      const existing = engine.query('sys_properties', { query: queryCondition('name', '=', key), limit: 1, session: engine.systemSession() }).records[0];
      const scope = host.frame()?.scope ?? 'global';
      const propertyScope = existing?.values.sys_scope ? scopeNameOf(engine, existing.values.sys_scope) : key.split('.')[0];
      if (scope !== 'global' && propertyScope !== scope) {
        throw new IncidentSnError(`gs.setProperty('${key}') from scope '${scope}': the property is not within the script's scope, and setProperty sets only those`, { code: 'glide_cross_scope_refused' });
      }
      const session = host.session();
      if (existing) engine.update('sys_properties', existing.sysId, { value: text }, { session, runBusinessRules: false });
      else engine.insert('sys_properties', { name: key, value: text, type: 'string', description: toStringValue(description) }, { session, runBusinessRules: false });
    },
    getUserName: () => host.session().userName,
    getUserID: () => host.session().userSysId,
    getUserDisplayName: () => host.session().displayName,
    getUser: glideUser,
    hasRole,
    hasRoleExactly: (role: unknown) => host.session().roles.has(toStringValue(role)),
    isLoggedIn: () => !host.session().isSystem,
    isInteractive: () => false,
    getSessionID: () => '',
    info: (message: unknown, ...params: unknown[]) => write('info', format(message, params)),
    warn: (message: unknown, ...params: unknown[]) => write('warning', format(message, params)),
    error: (message: unknown, ...params: unknown[]) => write('error', format(message, params)),
    debug: (message: unknown, ...params: unknown[]) => write('debug', format(message, params)),
    log: (message: unknown, source?: unknown) => write('info', format(message, []), source === undefined ? logSource() : toStringValue(source)),
    logWarning: (message: unknown, source?: unknown) => write('warning', format(message, []), source === undefined ? logSource() : toStringValue(source)),
    logError: (message: unknown, source?: unknown) => write('error', format(message, []), source === undefined ? logSource() : toStringValue(source)),
    print: (message: unknown) => write('info', format(message, [])),
    generateGUID: () => newSysId(),
    nil: (value: unknown) =>
      value === null || value === undefined || (value instanceof GlideElementImpl ? value.nil() : toStringValue(value) === ''),
    getMessage: (key: unknown, args?: unknown) => format(key, Array.isArray(args) ? args : args === undefined ? [] : [args]),
    nowDateTime: () => formatDateTime(engine.now()),
    nowNoTZ: () => formatDateTime(engine.now()),
    now: () => formatDate(engine.now()),
    daysAgo: (days: unknown) => formatDateTime(engine.now() - Number(days) * 86_400_000),
    minutesAgo: (minutes: unknown) => formatDateTime(engine.now() - Number(minutes) * 60_000),
    getCurrentScopeName: () => host.frame()?.scope ?? 'global',
    getCallerScopeName: () => host.frame()?.scope ?? 'global',
    tableExists: (table: unknown) => engine.hasTable(toStringValue(table)),
    base64Encode: (text: unknown) => Buffer.from(toStringValue(text), 'utf8').toString('base64'),
    base64Decode: (text: unknown) => Buffer.from(toStringValue(text), 'base64').toString('utf8'),
    sleep: (ms: unknown) => blockFor(Math.min(Number(ms) || 0, 60_000)),
    // Shown to the user who pressed a UI action; with no UI to go to, kept in the log at debug level.
    addInfoMessage: (message: unknown) => uiMessage('info', format(message, [])),
    addErrorMessage: (message: unknown) => uiMessage('error', format(message, [])),
  };
  return withUnsupportedMembers(gs, 'gs');
}
