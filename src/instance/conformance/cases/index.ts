import type { ConformanceCase } from '../case';
import { AGGREGATE_API_CASES } from './aggregate-api';
import { ATTACHMENT_API_CASES } from './attachment-api';
import { TABLE_API_CASES } from './table-api';

/** Every conformance case, in the order they run. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [...TABLE_API_CASES, ...AGGREGATE_API_CASES, ...ATTACHMENT_API_CASES];
