/**
 * The companion's client for a ServiceNow instance. Start with a ServiceNowConnection (transport and
 * authentication), then use a TableClient or SyncApiClient on it; build queries with encodedQuery().
 */
export { parseInstanceUrl, type InstanceUrl } from './instance-url';
export type { ServiceNowCredentials } from './credentials';
export {
  ServiceNowConnection,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type CallOptions,
  type QueryParameters,
  type ServiceNowConnectionOptions,
  type ServiceNowRequest,
  type ServiceNowResponse,
} from './connection';
export type { ResponseEvent, RequestFailedEvent } from './transport';
export {
  DEFAULT_RATE_LIMIT_POLICY,
  DEFAULT_RETRY_POLICY,
  type HttpMethod,
  type RateLimitPolicy,
  type RetryPolicy,
} from './retry-policy';
export { systemRuntime, type Runtime } from './runtime';
export { RequestBudget, type BudgetAnswer, type BudgetTake } from './request-budget';
export {
  EncodedQuery,
  QueryBuilder,
  QUERY_OPERATORS,
  encodedQuery,
  escapeQueryValue,
  type ListOperator,
  type QueryOperator,
  type QueryValue,
  type UnaryOperator,
  type ValueOperator,
} from './encoded-query';
export { normalizeFieldName, normalizeSysId, normalizeTableName } from './identifiers';
export {
  TableClient,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type DisplayValueMode,
  type FieldValue,
  type ListOptions,
  type Page,
  type PageOptions,
  type QueryInput,
  type ReadOptions,
  type TableClientOptions,
  type TableRecord,
  type WritableValues,
  type WriteOptions,
} from './table-client';
export {
  SyncApiClient,
  SyncHealthSchema,
  SYNC_API_BASE_PATH,
  type SyncConfigUpdate,
  type SyncHealth,
  type SyncResendRequest,
} from './sync-api-client';
export * from './errors';
