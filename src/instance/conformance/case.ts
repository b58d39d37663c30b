import { IncidentSnError } from '../../shared/errors';
import type { ConformanceClient, ConformanceResponse } from './client';

/**
 * One conformance case: a behaviour of a ServiceNow instance that clients depend on, checked over
 * HTTP so that it runs the same against the local instance and a real one. `source` names where
 * the expectation comes from (a documentation page, or a client whose code relies on it).
 */
export interface ConformanceCase {
  name: string;
  source: string;
  run(ctx: CaseContext): Promise<void>;
}

export interface CaseContext {
  client: ConformanceClient;
  /** A text unique to this run; records a case creates carry it, so they are easy to find and remove. */
  marker: string;
  /** Registers an undo step; steps run in reverse order after the case, whether it passed or not. */
  cleanup(step: () => Promise<unknown>): void;
  /** Creates an incident for the case (deleted afterwards) and returns its fields. */
  createIncident(fields?: Record<string, string>): Promise<Record<string, unknown>>;
}

/** A failed expectation, with what was seen. */
export class ConformanceFailure extends IncidentSnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'conformance_failed', ...options });
  }
}

export function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message);
}

export function expectStatus(res: ConformanceResponse, status: number, what: string): void {
  if (res.status !== status) throw new ConformanceFailure(`${what}: expected HTTP ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
}

/** The `result` of a JSON answer. */
export function resultOf<T = Record<string, unknown>>(res: ConformanceResponse): T {
  const body = res.json as { result?: T } | undefined;
  if (!body || body.result === undefined) throw new ConformanceFailure(`expected a JSON body with "result", got ${res.status} ${res.text.slice(0, 300)}`);
  return body.result;
}
