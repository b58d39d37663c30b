import { IncidentSnError } from '../shared/errors';

/** Errors of the local instance. The HTTP layer maps each to the platform's status and error body. */
export class InstanceError extends IncidentSnError {}

export class UnknownTableError extends InstanceError {
  constructor(readonly table: string) {
    super(`Invalid table ${table}`, { code: 'unknown_table' });
  }
}

export class RecordNotFoundError extends InstanceError {
  constructor(
    readonly table: string,
    readonly sysId: string,
  ) {
    super(`No record ${sysId} in ${table}`, { code: 'record_not_found' });
  }
}

export type AclOperation = 'read' | 'write' | 'create' | 'delete';

/** An ACL refused the operation. `scope` says whether the table, a field, or the query's fields were refused. */
export class AclDeniedError extends InstanceError {
  constructor(
    readonly operation: AclOperation,
    readonly table: string,
    readonly scope: 'table' | 'record' | 'query_fields' = 'record',
  ) {
    super(`ACL denies ${operation} on ${table}`, { code: 'acl_denied' });
  }
}

/** A before business rule aborted the operation (current.setAbortAction(true)). */
export class OperationAbortedError extends InstanceError {
  constructor(
    message: string,
    readonly detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { code: 'operation_aborted', cause: options.cause });
  }
}

/** A data policy made fields mandatory and they are empty. */
export class DataPolicyError extends InstanceError {
  constructor(readonly fieldLabels: string[]) {
    super(`Data Policy Exception: The following fields are mandatory: ${fieldLabels.join(', ')}`, { code: 'data_policy' });
  }
}

/** A request the instance cannot process (bad input). */
export class InvalidRequestError extends InstanceError {
  constructor(
    message: string,
    readonly detail: string | null = null,
  ) {
    super(message, { code: 'invalid_request' });
  }
}

/** A request body in a format the API does not read (415). */
export class UnsupportedMediaTypeError extends InstanceError {
  constructor(readonly contentType: string) {
    super('Unsupported Media Type', { code: 'unsupported_media_type' });
  }
}

/** An Accept header the API cannot satisfy (406). */
export class NotAcceptableError extends InstanceError {
  constructor(readonly accept: string) {
    super('Not Acceptable', { code: 'not_acceptable' });
  }
}

/** The database refused a write because a unique index already holds the value (kept as the cause). */
export class ConstraintViolationError extends InstanceError {
  constructor(
    readonly table: string,
    options: { cause?: unknown } = {},
  ) {
    super(`A unique index of ${table} already holds this value`, { code: 'constraint_violation', cause: options.cause });
  }
}
