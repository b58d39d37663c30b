/**
 * The app's own error (its scripts run on the instance, where the companion's IncidentSnError is not
 * loaded): a stable `code` a caller can branch on and a message that says what failed. A scripted
 * REST resource that lets it escape answers 500 with the message; nothing secret is ever put in it.
 */
export class AppError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}
