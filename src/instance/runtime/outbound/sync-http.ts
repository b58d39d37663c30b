import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../../../shared/module-worker';
import { threadQuota } from '../script-quota';
import { tracePoint } from '../../../shared/latency-trace';

/**
 * Outbound HTTP that looks synchronous to a script, as RESTMessageV2.execute() does on a platform
 * instance: the request goes to a helper thread that performs it with undici; the script's thread
 * blocks in Atomics.wait until the answer is posted (or the wait times out) and then reads it with
 * receiveMessageOnPort. One helper per script-running thread, started on first use and unref'd.
 *
 * A script blocked here blocks its thread: that is why business rules that call out run on the
 * scheduler's worker threads, not on the thread serving HTTP.
 */

export interface OutboundRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body: string | null;
  timeoutMs: number;
}

export interface OutboundResponse {
  /** 0 when no HTTP response arrived. */
  status: number;
  headers: Array<[string, string]>;
  body: string;
  error: string | null;
  errorCode: number;
  durationMs: number;
}

/** Extra wait beyond a request's own timeout before the caller gives up on the helper. */
const HELPER_GRACE_MS = 2000;

export function timeoutResponse(durationMs: number, error = 'Read timed out'): OutboundResponse {
  return { status: 0, headers: [], body: '', error, errorCode: 1, durationMs };
}

/** Blocks the current thread for `ms` (what gs.sleep and a simulated timeout do), or until the running script quota ends (then throws its error). */
export function blockFor(ms: number): void {
  if (ms <= 0) return;
  const quotaLeft = threadQuota.remainingMs();
  if (quotaLeft > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(ms, quotaLeft));
  if (quotaLeft < ms) threadQuota.throwIfExceeded();
}

export class SyncHttpClient {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private signal: Int32Array | null = null;
  private nextId = 1;
  private readonly arrived = new Map<number, OutboundResponse>();
  /** Requests whose wait the script quota ended: their answers are dropped when they come. */
  private readonly abandoned = new Set<number>();

  private start(): void {
    if (this.worker) return;
    const shared = new SharedArrayBuffer(4);
    const channel = new MessageChannel();
    this.worker = startModuleWorker(siblingModule(__dirname, __filename, 'http-helper'), {
      workerData: { port: channel.port2, signal: shared },
      transferList: [channel.port2],
    });
    this.worker.unref();
    this.worker.on('error', () => this.reset());
    this.worker.on('exit', () => this.reset());
    this.port = channel.port1;
    this.port.unref();
    this.signal = new Int32Array(shared);
  }

  private reset(): void {
    this.worker = null;
    this.port?.close();
    this.port = null;
    this.signal = null;
  }

  /** Starts the helper thread ahead of the first request (a thread that will call out: its first call does not wait for it). */
  warmUp(): void {
    this.start();
  }

  /** Starts a request; the answer is collected with `wait(id)`. */
  send(request: OutboundRequest): number {
    this.start();
    const id = this.nextId++;
    tracePoint('w.request.posted');
    (this.port as MessagePort).postMessage({ id, ...request });
    return id;
  }

  /** Blocks until the answer to `id` arrives or `waitMs` passes; null on timeout. The running script quota ends the wait too (with its error). */
  wait(id: number, waitMs: number): OutboundResponse | null {
    const quotaLeft = threadQuota.remainingMs();
    const deadline = Date.now() + Math.max(0, Math.min(waitMs, quotaLeft));
    for (;;) {
      const ready = this.arrived.get(id);
      if (ready) {
        tracePoint('w.answer.read');
        this.arrived.delete(id);
        return ready;
      }
      if (!this.port || !this.signal) return null;
      const seen = Atomics.load(this.signal, 0);
      let message = receiveMessageOnPort(this.port);
      while (message) {
        const response = message.message as OutboundResponse & { id: number };
        if (!this.abandoned.delete(response.id)) this.arrived.set(response.id, response);
        message = receiveMessageOnPort(this.port);
      }
      if (this.arrived.has(id)) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        if (quotaLeft < waitMs && threadQuota.exceeded) {
          this.abandoned.add(id);
          threadQuota.throwIfExceeded();
        }
        return null;
      }
      Atomics.wait(this.signal, 0, seen, remaining);
    }
  }

  /** Sends and waits: the synchronous call RESTMessageV2.execute() makes. */
  request(request: OutboundRequest): OutboundResponse {
    const started = Date.now();
    const id = this.send(request);
    return this.wait(id, request.timeoutMs + HELPER_GRACE_MS) ?? timeoutResponse(Date.now() - started);
  }

  /** Stops the helper thread (it is unref'd, so this is only needed for a tidy shutdown). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.reset();
    if (worker) await worker.terminate();
  }
}

let threadClient: SyncHttpClient | null = null;

/** The helper of this thread (module state is per thread). */
export function threadHttpClient(): SyncHttpClient {
  threadClient ??= new SyncHttpClient();
  return threadClient;
}
