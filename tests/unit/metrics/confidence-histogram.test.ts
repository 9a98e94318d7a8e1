import { describe, expect, it } from 'vitest';
import {
  confidenceBin,
  confidenceBinEdges,
  emptyConfidenceHistogram,
} from '../../../services/metrics/confidence-histogram.js';

describe('confidence histogram bins', () => {
  it.each([
    [0, 0],
    [0.0499999, 0],
    [0.05, 1],
    [0.1, 2],
    [0.15, 3],
    [0.3, 6],
    [0.55, 11],
    [0.6, 12],
    [0.7, 14],
    [0.9499999, 18],
    [0.95, 19],
    [0.99999, 19],
    [1, 19], // last bin closed at 1
    [-0.1, 0], // out of range: clamped, not lost
    [1.5, 19],
  ])('%s → bin %s', (c, bin) => {
    expect(confidenceBin(c)).toBe(bin);
  });

  it('puts every decimal edge k/20 in the bin that starts there', () => {
    for (let k = 0; k < 20; k++) {
      expect(confidenceBin(Number((k / 20).toFixed(2)))).toBe(k);
      expect(confidenceBin(k * 0.05)).toBe(k);
    }
  });

  it('has 20 bins with edges 0 … 0.95', () => {
    expect(emptyConfidenceHistogram()).toEqual(Array<number>(20).fill(0));
    const edges = confidenceBinEdges();
    expect(edges).toHaveLength(20);
    expect(edges[0]).toBe(0);
    expect(edges[19]).toBe(0.95);
  });
});
