/**
 * The one base error of the project. Every error we throw is an IncidentSnError (or a subclass):
 * it has a stable `code` a caller can branch on, a message that says what to do, and keeps its cause.
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
