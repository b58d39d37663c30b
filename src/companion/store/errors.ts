import { IncidentSnError } from '../../shared/errors';

/** The encryption key cannot be used: malformed, or a key file others may read. Never carries the key. */
export class SecretKeyError extends IncidentSnError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'secret_key_invalid', cause: options.cause });
  }
}

/** A stored secret could not be decrypted: it was altered, or it was encrypted with another key. */
export class SecretDecryptionError extends IncidentSnError {
  readonly keyId?: string;

  constructor(message: string, options: { keyId?: string; cause?: unknown } = {}) {
    super(message, { code: 'secret_decryption_failed', cause: options.cause });
    if (options.keyId !== undefined) this.keyId = options.keyId;
  }
}

/** A save would break "one connection per name, one connection per instance". */
export class ConnectionConflictError extends IncidentSnError {
  readonly conflict: 'name_taken' | 'instance_has_other_name';
  /** The name of the connection already stored. */
  readonly existingName: string;

  constructor(conflict: 'name_taken' | 'instance_has_other_name', existingName: string, message: string) {
    super(message, { code: 'connection_conflict' });
    this.conflict = conflict;
    this.existingName = existingName;
  }
}

/** A value given to the store is not acceptable (an invalid connection name, an empty field). */
export class InvalidConnectionError extends IncidentSnError {
  constructor(message: string) {
    super(message, { code: 'connection_invalid' });
  }
}

/** The database cannot be opened or brought up to date. */
export class StoreOpenError extends IncidentSnError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'store_open_failed', cause: options.cause });
  }
}

/**
 * A stored row holds a value the companion cannot read (a payload or snapshot that is not the JSON it
 * wrote): names the table, the row and the column, so it can be looked at and set aside, never
 * read as a quiet `null`.
 */
export class StoredDataError extends IncidentSnError {
  readonly table: string;
  readonly rowId: string;
  readonly column: string;

  constructor(table: string, rowId: string, column: string, problem: string, cause?: unknown) {
    super(`The stored ${column} of ${table} row ${rowId} cannot be read (${problem}); the row is set aside, not retried.`, {
      code: 'stored_data_corrupt',
      cause,
    });
    this.table = table;
    this.rowId = rowId;
    this.column = column;
  }
}
