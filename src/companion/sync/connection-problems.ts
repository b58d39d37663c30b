/**
 * What stops a connection's sync that only a person can fix (today: ServiceNow refusing the service
 * account's sign-in), as this process last saw it, for /healthz, doctor and the status page. Kept in
 * memory: it describes this process's view, and the next write that goes through clears it.
 */
export interface ConnectionProblem {
  connection: string;
  kind: 'authentication';
  /** What to do about it, with the error ServiceNow gave. */
  message: string;
  since: Date;
  lastSeenAt: Date;
  failures: number;
}

export class ConnectionProblems {
  private readonly byConnection = new Map<string, ConnectionProblem>();

  /** ServiceNow refused the sign-in (bad password, revoked OAuth client, locked account). */
  authenticationFailed(connection: string, error: string, at: Date): void {
    const known = this.byConnection.get(connection);
    this.byConnection.set(connection, {
      connection,
      kind: 'authentication',
      message:
        `ServiceNow refused the service account's sign-in (${error}); writes to this connection wait and are not lost. ` +
        'Fix the password or OAuth client, then run incident-sn connect again (setup guide step 5).',
      since: known?.since ?? at,
      lastSeenAt: at,
      failures: (known?.failures ?? 0) + 1,
    });
  }

  /** A request of this connection went through: whatever stopped it is over. */
  cleared(connection: string): void {
    this.byConnection.delete(connection);
  }

  list(): ConnectionProblem[] {
    return [...this.byConnection.values()];
  }
}
