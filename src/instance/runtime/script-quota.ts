import { parse, type Node } from 'acorn';
import { IncidentSnError } from '../../shared/errors';

/**
 * The transaction quota of the scripts a thread runs, without a watchdog thread or a signal.
 *
 * Every script and server module is compiled with a quota check at the start of each function body
 * and each loop iteration (`instrumentQuotaChecks`). A check is a counter decrement; every 1,024th one
 * reads the clock. Once the outermost run of the thread has overstayed its quota, every check throws
 * a `ScriptQuotaExceeded`, so a script that catches it meets it again at its next loop iteration or
 * call, and the run ends with the timeout even if a script swallowed the last one (see
 * `ScriptRuntime.underQuota`). The platform's quota reaches a script the same way: its script engine
 * looks at the transaction's cancellation while it interprets, not from another thread.
 *
 * The host's blocking waits (gs.sleep, an outbound call's wait) end at the quota too
 * (`remainingMs`, then `check`). Native work that never returns to a script (one huge regular
 * expression) is not interrupted; nothing the app runs does that.
 *
 * It replaced vm's `timeout` option, which starts and joins a thread for every run (0.15 to 2.5 ms
 * on a loaded machine, the largest cost of a business rule), and a process-wide SIGINT watchdog
 * (`breakOnSigint`), which was cheap but shares the process's one SIGINT disposition with libuv,
 * Node's SIGINT helper and every other listener: a late or coalesced signal could end the process.
 */

/** Node's own code for a vm timeout, so callers treat a quota stop as they treated that. */
export const SCRIPT_TIMEOUT_CODE = 'ERR_SCRIPT_EXECUTION_TIMEOUT';
/** The global every compiled script calls; defined in each runtime's context. */
export const QUOTA_CHECK_NAME = '__snQuotaCheck__';
/** Checks between two clock reads. */
const CLOCK_EVERY = 1024;

export class ScriptQuotaExceeded extends IncidentSnError {
  constructor(readonly timeoutMs: number) {
    super(`Script execution timed out after ${timeoutMs}ms (the transaction's script quota)`, { code: SCRIPT_TIMEOUT_CODE });
  }
}

/** The quota of the thread's outermost running script (one per thread: nested runs share it). */
export class ThreadQuota {
  private deadline = Infinity;
  private limitMs = 0;
  private countdown = CLOCK_EVERY;
  private over = false;
  private depth = 0;

  /** What compiled scripts call. */
  readonly check = (): void => {
    if (--this.countdown > 0) return;
    if (this.over || Date.now() >= this.deadline) {
      // Every check from now on throws, until the outermost run ends.
      this.over = true;
      this.countdown = 0;
      throw new ScriptQuotaExceeded(this.limitMs);
    }
    this.countdown = CLOCK_EVERY;
  };

  /** A run is watched (an outer run or region): inner ones share its quota. */
  get active(): boolean {
    return this.depth > 0;
  }

  /** The running quota was used up (some check threw, or will at once). */
  get exceeded(): boolean {
    if (!this.over && this.depth > 0 && Date.now() >= this.deadline) {
      this.over = true;
      this.countdown = 0;
    }
    return this.over;
  }

  /** Runs `work` under a quota of `timeoutMs`, or under the running one when there is one. */
  within<T>(timeoutMs: number, work: () => T): T {
    if (this.depth === 0) {
      this.deadline = Date.now() + timeoutMs;
      this.limitMs = timeoutMs;
      this.countdown = CLOCK_EVERY;
      this.over = false;
    }
    this.depth++;
    try {
      return work();
    } finally {
      if (--this.depth === 0) {
        this.deadline = Infinity;
        this.over = false;
        this.countdown = CLOCK_EVERY;
      }
    }
  }

  /** The error a run that overstayed ends with. */
  error(): ScriptQuotaExceeded {
    return new ScriptQuotaExceeded(this.limitMs);
  }

  /** How long a blocking host call may wait (Infinity outside any run). */
  remainingMs(): number {
    return this.depth === 0 ? Infinity : Math.max(0, this.deadline - Date.now());
  }

  /** Throws when the running quota is used up (after a host wait that it cut short). */
  throwIfExceeded(): void {
    if (this.exceeded) throw this.error();
  }
}

/** This thread's quota (the main thread's, or a scheduler worker's). */
export const threadQuota = new ThreadQuota();

interface Insertion {
  at: number;
  text: string;
  /** Openings go in walk order, closings in reverse (an inner node closes first). */
  closing: boolean;
  seq: number;
}

type AnyNode = Node & Record<string, unknown>;

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/**
 * `source` (a whole script: the runtime compiles `(function (…) { body })` texts and CommonJS
 * wrappers) with a quota check at the start of every function body and loop body. Text is only
 * inserted, never moved, and never across lines, so line numbers in stack traces stay. A source that
 * does not parse is returned as it is: compiling it reports the syntax error as before.
 */
export function instrumentQuotaChecks(source: string): string {
  let program: Node;
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'script' });
  } catch {
    return source;
  }
  const call = `${QUOTA_CHECK_NAME}();`;
  const insertions: Insertion[] = [];
  let seq = 0;
  const add = (at: number, text: string, closing = false) => insertions.push({ at, text, closing, seq: seq++ });

  const visit = (node: AnyNode): void => {
    if (LOOPS.has(node.type)) {
      const body = node.body as AnyNode;
      if (body.type === 'BlockStatement') add(body.start + 1, call);
      else {
        add(body.start, `{${call}`);
        add(body.end, '}', true);
      }
    } else if (FUNCTIONS.has(node.type)) {
      const body = node.body as AnyNode;
      if (body.type === 'BlockStatement') {
        // After the directive prologue ('use strict' must stay first).
        const statements = body.body as AnyNode[];
        let at = body.start + 1;
        for (const statement of statements) {
          if (typeof statement.directive !== 'string') break;
          at = statement.end;
        }
        add(at, call);
      } else {
        add(body.start, `(${QUOTA_CHECK_NAME}(), `);
        add(body.end, ')', true);
      }
    }
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item);
      } else if (isNode(value)) visit(value);
    }
  };
  visit(program as AnyNode);
  if (insertions.length === 0) return source;

  insertions.sort((a, b) => a.at - b.at || (a.closing === b.closing ? (a.closing ? b.seq - a.seq : a.seq - b.seq) : a.closing ? -1 : 1));
  let out = '';
  let from = 0;
  for (const insertion of insertions) {
    out += source.slice(from, insertion.at) + insertion.text;
    from = insertion.at;
  }
  return out + source.slice(from);
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
