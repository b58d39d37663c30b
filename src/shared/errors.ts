/**
 * The one base error of the project. Every error we throw is an IncidentSnError (or a subclass):
 * it has a stable `code` a caller can branch on, a message that says what to do, and keeps its cause.
 * Two exceptions: the app's scripts run on the instance, where this module is not loaded, and throw
 * its counterpart AppError (src/server/lib/app-error.ts, also with a code); and migration 0012 keeps
 * the plain Error it shipped with (a migration that has run is never edited).
 */
export class IncidentSnError extends Error {
  readonly code: string;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'incident_sn_error';
  }
}

/** A short description of anything thrown, for logs and error messages (never includes a stack). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
