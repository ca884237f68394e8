import { BrokenCircuitError } from './errors.js';
import { setup } from './test-support/setup.js';

const person = Object.freeze({ name: 'Ada', card: '4111 1111 1111 1111' });
// a result carrying personal data that the caller's isFailure calls a failure
const isFailure = (value: unknown, kind: 'error' | 'result') =>
  kind === 'error' || (value as { card?: string }).card !== undefined;

async function refusal(breaker: { execute(fn: () => unknown): Promise<unknown> }) {
  return breaker.execute(() => 'refused').catch((e: unknown) => e);
}

describe('CircuitBreaker trip reasons', () => {
  it('carries a description, not a result that isFailure judged a failure', async () => {
    const { breaker } = setup({ isFailure });
    const breaks: unknown[] = [];
    const failures: unknown[] = [];
    breaker.onBreak((e) => breaks.push(e.reason));
    breaker.onFailure((e) => failures.push(e.error));
    await expect(breaker.execute(() => person)).resolves.toBe(person); // still returned
    breaker.acquire().succeeded(person);
    const error = (await refusal(breaker)) as BrokenCircuitError;
    expect(error).toBeInstanceOf(BrokenCircuitError);
    const description = 'a result judged a failure by isFailure';
    expect(error.reason).toBe(description);
    expect(error.cause).toBe(description);
    expect(breaks).toEqual([description]);
    expect(failures).toEqual([description, description]);
    expect(JSON.stringify({ ...error, failures, breaks })).not.toContain('4111');
  });

  it('carries the result when exposeResults is set', async () => {
    const { breaker } = setup({ isFailure, exposeResults: true });
    const failures: unknown[] = [];
    breaker.onFailure((e) => failures.push(e.error));
    await breaker.execute(() => person);
    await breaker.execute(() => person);
    expect(await refusal(breaker)).toMatchObject({ reason: person, cause: person });
    expect(failures).toEqual([person, person]);
  });

  it('describes a success on which the window crossed its threshold', async () => {
    const strategy = { kind: 'count-window', size: 2, minimumCalls: 2, threshold: 0.5 } as const;
    for (const exposeResults of [false, true]) {
      const { breaker } = setup({ strategy, exposeResults });
      breaker.acquire().failed(new Error('one of two'));
      await breaker.execute(() => person); // 1 failure of 2 calls: 0.5 opens
      expect(breaker.state).toBe('open');
      expect(await refusal(breaker)).toMatchObject({
        reason: exposeResults ? person : 'the window crossed its threshold on a successful call',
      });
    }
  });

  it('keeps an error as itself', async () => {
    const { breaker } = setup({ isFailure });
    const boom = new Error('boom');
    await breaker.execute(() => Promise.reject(boom)).catch(() => {});
    await breaker.execute(() => Promise.reject(boom)).catch(() => {});
    expect(await refusal(breaker)).toMatchObject({ reason: boom, cause: boom });
  });
});
