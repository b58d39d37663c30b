import { randomBytes } from 'node:crypto';
import { ConformanceFailure, resultOf, type CaseContext, type ConformanceCase } from './case';
import type { ConformanceClient } from './client';

export interface CaseOutcome {
  name: string;
  source: string;
  passed: boolean;
  error?: string;
  /** Undo steps that failed (data the case may have left behind). */
  cleanupErrors: string[];
}

/** A marker for one run: every record a case creates carries it in a text field. */
export function newRunMarker(): string {
  return `conformance-${randomBytes(4).toString('hex')}`;
}

/** Runs one case, then its undo steps in reverse order (even when the case failed). */
export async function runCase(testCase: ConformanceCase, client: ConformanceClient, marker: string): Promise<CaseOutcome> {
  const undo: Array<() => Promise<unknown>> = [];
  const ctx: CaseContext = {
    client,
    marker,
    cleanup: (step) => void undo.push(step),
    createIncident: async (fields = {}) => {
      const res = await client.request('POST', '/api/now/table/incident', { body: { short_description: `${marker} ${testCase.name}`, ...fields } });
      if (res.status !== 201) throw new ConformanceFailure(`could not create an incident for the case: HTTP ${res.status} ${res.text.slice(0, 300)}`);
      const record = resultOf(res);
      const sysId = String(record.sys_id);
      undo.push(() => client.request('DELETE', `/api/now/table/incident/${sysId}`));
      return record;
    },
  };
  let error: string | undefined;
  try {
    await testCase.run(ctx);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const cleanupErrors: string[] = [];
  for (const step of undo.reverse()) {
    try {
      const res = (await step()) as { status?: number } | undefined;
      if (res && typeof res.status === 'number' && res.status >= 400 && res.status !== 404) cleanupErrors.push(`undo step answered HTTP ${res.status}`);
    } catch (err) {
      cleanupErrors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { name: testCase.name, source: testCase.source, passed: error === undefined, error, cleanupErrors };
}

export async function runCases(cases: readonly ConformanceCase[], client: ConformanceClient, marker = newRunMarker()): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const testCase of cases) outcomes.push(await runCase(testCase, client, marker));
  return outcomes;
}
