import { abbaOrder, median, ratioOfMedians, spreadText } from '../../../bench/lib/alternate';

describe('measurements taken in turns', () => {
  it('orders rounds ABBA, so that a trend in the load falls on both sides alike', () => {
    expect(abbaOrder('raw', 'import', 3)).toEqual(['raw', 'import', 'import', 'raw', 'raw', 'import']);
    expect(abbaOrder(1, 2, 1)).toEqual([1, 2]);
    expect(abbaOrder(1, 2, 0)).toEqual([]);
  });

  it('takes the ratio of the medians, and each round’s own ratio', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('no values');
    const r = ratioOfMedians([8, 100, 9], [10, 10, 12]);
    expect(r.overMedian).toBe(9);
    expect(r.underMedian).toBe(10);
    expect(r.ratio).toBeCloseTo(0.9);
    expect(r.roundRatios).toEqual([0.8, 10, 0.75]);
    expect(() => ratioOfMedians([1], [1, 2])).toThrow('not paired');
    expect(spreadText([0.8, 10, 0.75])).toBe('0.75 to 10.00');
  });
});
