/**
 * Two measurements taken in turns so that a trend in the shared machine's load falls on both alike:
 * ABBA in pairs of rounds (a, b, b, a, a, b…), the figure the ratio of the two sides' medians, and
 * each round's own ratio (its a and b) for the spread within one run. With an even number of rounds
 * both sides' runs sit at the same mean place in the sequence and so do their medians (a, b, b, a,
 * a, b, b, a: a at 1, 4, 5, 8, b at 2, 3, 6, 7): a steady rise or fall of the load cancels out.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `rounds` runs of each side, ABBA in pairs of rounds: a, b, b, a, a, b… */
export function abbaOrder<A, B>(a: A, b: B, rounds: number): Array<A | B> {
  const order: Array<A | B> = [];
  for (let r = 0; r < rounds; r++) order.push(...(r % 2 === 0 ? [a, b] : [b, a]));
  return order;
}

/** The ratio of the medians (`over` / `under`) and each round's ratio, rounds paired in order. */
export function ratioOfMedians(over: readonly number[], under: readonly number[]): { ratio: number; overMedian: number; underMedian: number; roundRatios: number[] } {
  if (over.length !== under.length) throw new Error(`${over.length} runs against ${under.length}: the rounds are not paired`);
  const overMedian = median(over);
  const underMedian = median(under);
  return { ratio: overMedian / underMedian, overMedian, underMedian, roundRatios: over.map((o, i) => o / under[i]!) };
}

/** "0.82 to 0.91": the lowest and highest of some ratios, for a figure's target text. */
export function spreadText(values: readonly number[]): string {
  return `${Math.min(...values).toFixed(2)} to ${Math.max(...values).toFixed(2)}`;
}
