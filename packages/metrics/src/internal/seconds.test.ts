import { boundariesInSeconds } from './seconds.js';

describe('boundariesInSeconds', () => {
  it('moves the decimal point rather than dividing (no binary rounding in a label)', () => {
    expect(33.3 / 1000).toBe(0.033299999999999996);
    expect(boundariesInSeconds([0.1, 2.5, 33.3, 1000, 10_000]).map(String)).toEqual([
      '0.0001',
      '0.0025',
      '0.0333',
      '1',
      '10',
    ]);
  });

  it('handles numbers JavaScript prints with an exponent', () => {
    expect(boundariesInSeconds([1e-7, 2e21])).toEqual([1e-10, 2e18]);
  });

  it('keeps boundaries apart that the decimal shift would merge', () => {
    // adjacent doubles: 0.106824385646062 for both after the shift
    const close = [106.824385646062, 106.82438564606201];
    const seconds = boundariesInSeconds(close);
    expect(seconds[1]).toBeGreaterThan(seconds[0] as number);
    expect(seconds).toEqual(close.map((ms) => ms / 1000));
  });

  it('returns the same frozen array for the same boundaries', () => {
    const bounds = [1, 2];
    expect(boundariesInSeconds(bounds)).toBe(boundariesInSeconds(bounds));
    expect(Object.isFrozen(boundariesInSeconds(bounds))).toBe(true);
  });
});
