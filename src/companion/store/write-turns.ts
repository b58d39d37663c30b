/**
 * Who writes next to the SQLite file, between the companion server's two connections: the pushes'
 * (a group commit is one message to its thread, holding the write lock for its inserts and fsync
 * only) and the store's (a transaction of the workers holds the write lock from BEGIN IMMEDIATE to
 * COMMIT, across one round trip to the event loop per statement: several milliseconds on a busy
 * machine). Left to SQLite, the two took turns, so nearly every group of pushes waited for a whole
 * worker transaction. Here groups of pushes go first (several may be on their thread at once: it
 * runs them one after another), and a waiting transaction gets its turn after at most
 * `pushTurnsBeforeATransaction` groups, so the workers keep moving under a flood of pushes. Both
 * connections still take SQLite's own lock (a command in another process may write too): this only
 * orders the two of this process.
 */
export type WriteTurnKind = 'pushes' | 'transaction';

/**
 * Groups of pushes that may go before a waiting transaction: at 2 to 5 ms a group (an fsync each),
 * a transaction waits at most 130 to 320 ms behind a flood. Measured alternately with 4 (load 8 to 10,
 * `bench/ingest-only.ts`): 315 / 420 / 430 pushes/s with 4, 390 / 500 / 605 with 16. Once the apply
 * worker's claim and apply became one transaction job, 16 let it take a larger share of a flood:
 * ratio over the bare endpoint 0.140 / 0.126 with 16, 0.141 / 0.145 / 0.162 / 0.169 / 0.185 with 64,
 * the code before the jobs 0.149 / 0.158 / 0.173 / 0.184 / 0.185 / 0.202 (alternating, load 0.2 to 3).
 */
export const PUSH_TURNS_BEFORE_A_TRANSACTION = 64;

export class WriteTurns {
  private holders = 0;
  private holderKind: WriteTurnKind | null = null;
  private readonly waiting: Record<WriteTurnKind, Array<() => void>> = { pushes: [], transaction: [] };
  private pushTurnsInARow = 0;
  private handOverScheduled = false;

  constructor(private readonly pushTurnsBeforeATransaction = PUSH_TURNS_BEFORE_A_TRANSACTION) {}

  /** Waits for this kind's turn; the function returned ends it (once; call it on failure too). */
  async take(kind: WriteTurnKind): Promise<() => void> {
    if (this.holders === 0 && !this.handOverScheduled) this.grant(kind);
    else if (kind === 'pushes' && this.holderKind === 'pushes' && this.pushesMayGo()) this.grant(kind);
    else await new Promise<void>((resolve) => this.waiting[kind].push(resolve));
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.holders--;
      if (this.holders > 0 || this.handOverScheduled) return;
      // The group commit sends its next group a few promise steps after this one answered: that
      // group is waiting by the next turn of the event loop, and goes before a transaction.
      this.handOverScheduled = true;
      setImmediate(() => {
        this.handOverScheduled = false;
        this.handOver();
      });
    };
  }

  private pushesMayGo(): boolean {
    return this.waiting.transaction.length === 0 || this.pushTurnsInARow < this.pushTurnsBeforeATransaction;
  }

  private grant(kind: WriteTurnKind): void {
    this.holders++;
    this.holderKind = kind;
    this.pushTurnsInARow = kind === 'pushes' ? this.pushTurnsInARow + 1 : 0;
  }

  private handOver(): void {
    if (this.holders > 0) return;
    const { pushes, transaction } = this.waiting;
    if (pushes.length > 0 && this.pushesMayGo()) {
      for (const next of pushes.splice(0)) {
        this.grant('pushes');
        next();
      }
    } else if (transaction.length > 0) {
      this.grant('transaction');
      transaction.shift()!();
    } else {
      this.holderKind = null;
    }
  }
}
