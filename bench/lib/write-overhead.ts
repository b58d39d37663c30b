import { median, ratioOfMedians } from './alternate';
import type { Part } from './part';

/**
 * `app_write_overhead_ratio`, sampled so that one run settles it: the same PATCH of a synced field
 * on an instance with the app and on one without, interleaved (A, B, A, B…: both see the same
 * machine load, and each PATCH with the app overlaps what the previous one set going: its delivery
 * job on the instance, the companion storing and applying the push; that overlap is part of the
 * cost). One long interleaved run of 300 pairs gave 1.16 and 1.65 in two full runs of the same code,
 * the PATCH without the app 3.0 ms in both: the PATCH with the app moved (3.5 and 4.9 ms), the one
 * that shares the two cores with what the previous change set going, so how much of that work lands
 * on it depends on the timing of the deliveries and the companion's commits, and a long run keeps
 * the backlog and pace it fell into. So the pairs are taken in `rounds` shorter runs, each begun
 * from the same state (every change of the previous round applied by the companion, which then went
 * quiet), and the figure is the ratio of the medians over all of them, each round's own ratio giving
 * the spread.
 */

export interface WriteOverheadOptions {
  loadgen: Part;
  withApp: { instanceUrl: string; sysIds: string[] };
  withoutApp: { instanceUrl: string; sysIds: string[] };
  rounds: number;
  /** Timed pairs per round. */
  pairs: number;
  /** Untimed pairs before each round's timed ones. */
  warmUp: number;
  field: string;
  /**
   * Resolves once the companion applied the round's `changes` (each PATCH with the app makes one,
   * counted from the round's start, not from the call: most are applied during the round) and went quiet.
   */
  settle(changes: number): Promise<void>;
  log(message: string): void;
}

export interface WriteOverhead {
  ratio: number;
  withAppMedian: number;
  withoutAppMedian: number;
  roundRatios: number[];
}

export async function measureWriteOverhead(o: WriteOverheadOptions): Promise<WriteOverhead> {
  if (o.rounds < 1) throw new Error('at least one round');
  const withApp: number[] = [];
  const withoutApp: number[] = [];
  const roundWith: number[] = [];
  const roundWithout: number[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const [a, b] = await o.loadgen.call<[number[], number[]]>('interleavedPatches', {
      targets: [o.withApp, o.withoutApp],
      iterations: o.pairs,
      field: o.field,
      warmUp: o.warmUp,
      label: `r${round} `,
    });
    withApp.push(...a);
    withoutApp.push(...b);
    roundWith.push(median(a));
    roundWithout.push(median(b));
    o.log(`app write overhead: round ${round + 1}, PATCH p50 ${median(a).toFixed(2)} ms with the app, ${median(b).toFixed(2)} ms without (${(median(a) / median(b)).toFixed(2)}×)`);
    await o.settle(o.pairs + o.warmUp);
  }
  const { roundRatios } = ratioOfMedians(roundWith, roundWithout);
  const { ratio, overMedian, underMedian } = ratioOfMedians(withApp, withoutApp);
  return { ratio, withAppMedian: overMedian, withoutAppMedian: underMedian, roundRatios };
}
