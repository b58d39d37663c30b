import { ACCOUNTS, basic } from '../fixtures/accounts';

/**
 * Where a round's changes sit when they take long to apply: the app instance's undelivered outbox
 * events (read as admin through the Table API), grouped by state, with each failure's error and
 * when its retry is due. Nothing undelivered means the changes left the instance and wait in the
 * companion. For the bench's log only: a round that waits on the scheduled job or a retry says so.
 */
export async function outboxReport(instanceUrl: string): Promise<string> {
  const query = new URLSearchParams({
    sysparm_query: 'state!=delivered^ORDERBYorder_key',
    sysparm_fields: 'state,attempts,last_http_status,last_error,next_attempt_at,last_attempt_at',
    sysparm_limit: '500',
  });
  let rows: Array<Record<string, string>>;
  try {
    const res = await fetch(`${instanceUrl}/api/now/table/x_incident_io_outbound_event?${query}`, { headers: { Authorization: basic(ACCOUNTS.admin), Accept: 'application/json' } });
    if (!res.ok) return `outbox not readable (HTTP ${res.status})`;
    rows = ((await res.json()) as { result: Array<Record<string, string>> }).result;
  } catch (err) {
    return `outbox not readable (${String(err)})`;
  }
  if (rows.length === 0) return 'outbox: every event delivered (the changes wait in the companion)';
  const byState = new Map<string, number>();
  for (const row of rows) byState.set(row.state!, (byState.get(row.state!) ?? 0) + 1);
  const failures = new Map<string, { count: number; next: string }>();
  for (const row of rows.filter((r) => r.state === 'failed' || r.state === 'sending')) {
    const key = `${row.state} after attempt ${row.attempts} at ${row.last_attempt_at}: ${row.last_http_status === '0' ? '' : `HTTP ${row.last_http_status} `}${row.last_error || '(no error yet)'}`;
    const seen = failures.get(key);
    failures.set(key, { count: (seen?.count ?? 0) + 1, next: row.next_attempt_at ?? '' });
  }
  const states = [...byState].map(([state, n]) => `${n} ${state}`).join(', ');
  const details = [...failures].map(([key, { count, next }]) => `${count}× ${key}${next ? `, next attempt ${next}` : ''}`);
  return `outbox: ${states}${details.length > 0 ? `; ${details.join('; ')}` : ''}`;
}

/**
 * Logs where a round's changes sit if it is still waiting for them after `afterMs`; call the
 * returned function once they arrived (a quick round reads nothing).
 */
export function reportIfSlow(instanceUrl: string, log: (line: string) => void, afterMs = 2_000): () => void {
  const timer = setTimeout(() => void outboxReport(instanceUrl).then((report) => log(`still applying after ${afterMs / 1000} s; ${report}`)), afterMs);
  return () => clearTimeout(timer);
}
