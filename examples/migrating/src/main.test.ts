import {
  atThreshold,
  bulkheadFull,
  exhaustedErrors,
  fallbacks,
  firstFailure,
  hungDependency,
  refusals,
  retryCounts,
} from './main.js';

// Each row of the README's migration table, run against the real peer and Dyno.
describe('migrating from cockatiel and opossum', () => {
  it('"3" is four calls in cockatiel (retries) and three in Dyno (calls)', async () => {
    expect(await retryCounts()).toEqual({ peer: 4, dyno: 3 });
  });

  it('after retries cockatiel rethrows the last error; Dyno holds every attempt unless asked', async () => {
    expect(await exhaustedErrors()).toEqual({
      peer: 'failure 3',
      dyno: 'DYNO_RETRY_EXHAUSTED',
      dynoLast: 'failure 3',
    });
  });

  it('one failed first call opens opossum, not Dyno unless minimumCalls says so', async () => {
    expect(await firstFailure()).toEqual({ peer: true, dyno: false, dynoTuned: true });
  });

  it('at exactly the threshold opossum stays closed and Dyno opens', async () => {
    expect(await atThreshold()).toEqual({ peer: false, dyno: true });
  });

  it('names what an open circuit refuses with in each library', async () => {
    expect(await refusals()).toEqual({
      opossum: 'EOPENBREAKER',
      cockatiel: 'BrokenCircuitError',
      dyno: 'DYNO_BROKEN',
    });
  });

  it('names what a full bulkhead refuses with', async () => {
    expect(await bulkheadFull()).toEqual({ peer: 'BulkheadRejectedError', dyno: 'DYNO_POOL_FULL' });
  });

  it('answers a caller of a hung call at the deadline as cockatiel Aggressive does', async () => {
    jest.useFakeTimers();
    try {
      const result = await hungDependency((ms) => jest.advanceTimersByTimeAsync(ms));
      expect(result).toEqual({
        at60: { cooperative: 'pending', aggressive: 'TaskCancelledError', dyno: 'DYNO_TIMEOUT' },
        at120: { cooperative: 'resolved', aggressive: 'TaskCancelledError', dyno: 'DYNO_TIMEOUT' },
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers a failed call with the fallback in both', async () => {
    expect(await fallbacks()).toEqual({ peer: 'cached', dyno: 'cached' });
  });
});
