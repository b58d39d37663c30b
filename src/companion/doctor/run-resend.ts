import { IncidentSnError } from '../../shared/errors';
import { z } from 'zod';
import { encodedQuery, ServiceNowHttpError, SyncApiClient, TableClient, type ServiceNowConnection, type ServiceNowConnectionOptions, type SyncResendRequest } from '../client';
import { EXIT, type CommandIo, type CommandOutcome } from '../commands/command-io';
import { CommandOptionsError, connectionNameOf, storeOptionsOf } from '../commands/options';
import { printCommandError, printJson } from '../commands/output';
import { SETUP_CONNECTION_DEFAULTS } from '../connect/setup-session';
import { serviceAccountClient } from '../service-account-client';
import { openStore } from '../store';
import { loadConnection } from './load-connection';

/**
 * `incident-sn resend`: asks the app to deliver again one incident's events, or every event queued
 * since a time (POST /api/x_incident_io/v1/sync/resend). Event ids do not change, so the receiver
 * drops what it already has.
 */

export interface ResendFlags {
  name?: string;
  db?: string;
  databaseUrl?: string;
  incident?: string;
  since?: string;
  json?: boolean;
}

const RESULT = z.object({ requeued: z.number().int().nonnegative() });

/** Whether the instance has the incident (by sys_id or number); asked when a resend requeued nothing. */
async function incidentExists(client: ServiceNowConnection, incident: string): Promise<boolean> {
  const field = /^[0-9a-f]{32}$/.test(incident) ? 'sys_id' : 'number';
  const page = await new TableClient(client).listPage('incident', { query: encodedQuery().where(field, '=', incident), fields: ['sys_id'], limit: 1, noCount: true });
  return page.records.length > 0;
}

function requestOf(flags: ResendFlags): SyncResendRequest {
  const incident = flags.incident?.trim();
  const since = flags.since?.trim();
  if (!!incident === !!since) {
    throw new CommandOptionsError(
      'Give exactly one of --incident <number or sys_id> (that incident\'s events) or --since <time> (every event ' +
        'queued since then; ISO 8601 such as 2026-01-31T09:00:00Z, or "2026-01-31 09:00:00" in UTC).',
    );
  }
  return incident ? { incident } : { since: since! };
}

export async function runResend(
  flags: ResendFlags,
  io: CommandIo,
  deps: { connectionOptions?: Partial<ServiceNowConnectionOptions> } = {},
): Promise<CommandOutcome<{ requeued: number | null }>> {
  const json = flags.json === true;
  let request: SyncResendRequest;
  let name: string | undefined;
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    request = requestOf(flags);
    name = connectionNameOf(flags.name);
    store = await openStore(storeOptionsOf(flags, io.env));
  } catch (err) {
    printCommandError(io, err, json);
    return { exitCode: EXIT.usage, results: { requeued: null } };
  }
  let client: ServiceNowConnection | undefined;
  try {
    const connection = await loadConnection(store, name);
    if (connection.mode !== 'realtime') {
      throw new CommandOptionsError(
        `Connection "${connection.name}" polls the instance: there is no outbox to resend from. Install the app and run incident-sn connect again for real-time sync.`,
      );
    }
    client = serviceAccountClient(connection, { ...SETUP_CONNECTION_DEFAULTS, ...deps.connectionOptions });
    let answer: unknown;
    try {
      answer = await new SyncApiClient(client).resend(request);
    } catch (err) {
      if (err instanceof ServiceNowHttpError && err.status === 400 && err.serviceNowDetail) {
        throw new CommandOptionsError(`The incident.io app refused the resend: ${err.serviceNowDetail}`);
      }
      throw err;
    }
    const parsed = RESULT.safeParse(answer);
    if (!parsed.success) throw new IncidentSnError('The incident.io app answered the resend without a count of requeued events; update the app.', { code: 'app_resend_answer_unexpected' });
    const { requeued } = parsed.data;
    if (requeued === 0 && 'incident' in request && !(await incidentExists(client, request.incident))) {
      throw new CommandOptionsError(`${connection.instanceUrl} has no incident ${request.incident}: check the number (or sys_id) and the connection (--name).`, 'incident_not_found');
    }
    if (json) printJson(io, { requeued });
    else {
      const which = 'incident' in request ? `of ${request.incident}` : `queued since ${request.since}`;
      io.stdout(`✔ ${requeued} event${requeued === 1 ? '' : 's'} ${which} requeued on "${connection.name}"; the app delivers them again.\n`);
    }
    return { exitCode: EXIT.ok, results: { requeued } };
  } catch (err) {
    printCommandError(io, err, json);
    return { exitCode: err instanceof CommandOptionsError ? EXIT.usage : EXIT.failed, results: { requeued: null } };
  } finally {
    await client?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  }
}
