import { IncidentSnError } from '../../shared/errors';
import type { InstanceEngine } from '../records/engine';
import type { Session } from '../records/session';
import type { ScriptRuntime } from '../runtime/script-runtime';
import type { AtfStep, AtfTest } from './suite';

/** The answer of the last "Send REST Request - Inbound" step, which REST assertions read. */
export interface RestAnswer {
  status: number;
  statusText: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** What a step runs with: the instance, who the test runs as now, and what earlier steps produced. */
export interface StepContext {
  engine: InstanceEngine;
  runtime: ScriptRuntime;
  /** The instance's own URL (inbound REST steps call it). */
  baseUrl: string;
  test: AtfTest;
  step: AtfStep;
  /** The user the test runs as: the runner's user until an Impersonate or Create a User step. */
  session: Session;
  outputs: Map<string, Record<string, string>>;
  lastResponse: RestAnswer | null;
}

/** What a step gives back when it passes. */
export interface StepPass {
  message: string;
  outputs?: Record<string, string>;
}

/** A step's failure: the message is what the result records and the CLI prints. */
export class StepFailure extends IncidentSnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'atf_step_failed', ...options });
  }
}

export type StepHandler = (ctx: StepContext, inputs: Record<string, string>) => StepPass | Promise<StepPass>;
