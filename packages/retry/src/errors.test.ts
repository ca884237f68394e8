import { DynoError } from '@dyno/core';
import { type AttemptRecord, CompoundError } from './errors.js';
import { History } from './internal/history.js';

class NotFound extends Error {}
class Timeout extends DynoError {
  constructor() {
    super('DYNO_TIMEOUT', 'timed out');
  }
  static override isInstance(value: unknown): value is Timeout {
    return DynoError.isInstance(value) && value.code === 'DYNO_TIMEOUT';
  }
}

const failed = (attempt: number, error: unknown, delay?: number): AttemptRecord => ({
  attempt,
  failed: true,
  error,
  start: attempt * 100,
  duration: 5,
  delay,
});

describe('CompoundError', () => {
  const first = new Error('connection refused');
  const second = new NotFound('missing');
  const error = new CompoundError([failed(1, first, 100), failed(2, second)], 'attempts', {
    source: 'fetch-user',
  });

  it('is an AggregateError and a DynoError with a stable code', () => {
    expect(error).toBeInstanceOf(AggregateError);
    expect(error).toBeInstanceOf(DynoError);
    expect(DynoError.isInstance(error)).toBe(true);
    expect(CompoundError.isInstance(error)).toBe(true);
    expect(CompoundError.isInstance(first)).toBe(false);
    expect(error.code).toBe('DYNO_RETRY_EXHAUSTED');
    expect(error.source).toBe('fetch-user');
    expect(error.name).toBe('CompoundError');
  });

  it('keeps every error in order, the last as cause, and the history', () => {
    expect(error.errors).toEqual([first, second]);
    expect(error.errors[0]).toBe(first);
    expect(error.cause).toBe(second);
    expect(error.attempts.map((a) => [a.attempt, a.start, a.duration, a.delay])).toEqual([
      [1, 100, 5, 100],
      [2, 200, 5, undefined],
    ]);
    expect(Object.isFrozen(error.attempts)).toBe(true);
    expect(error.reason).toBe('attempts');
  });

  it('names the attempt count and the last message', () => {
    expect(error.message).toBe('Gave up after 2 attempts (no attempts left): missing');
  });

  it('describes non-Error throwables as they were thrown', () => {
    const msg = (e: unknown, reason: 'budget' | 'deadline' | 'not-retryable' = 'budget') =>
      new CompoundError([failed(1, e)], reason).message;
    expect(msg('x')).toBe('Gave up after 1 attempt (the retry budget is spent): x');
    expect(msg(undefined, 'deadline')).toBe(
      'Gave up after 1 attempt (the deadline would pass before the next attempt): undefined',
    );
    expect(msg({ message: 'plain' }, 'not-retryable')).toBe(
      'Gave up after 1 attempt (the last failure is not retryable): plain',
    );
    expect(msg(Object.create(null))).toMatch(/an unprintable value$/);
  });

  it('counts only failures in errors when some attempts returned unwanted results', () => {
    const result: AttemptRecord = {
      attempt: 2,
      failed: false,
      result: 503,
      start: 1,
      duration: 1,
      delay: 1,
    };
    const e = new CompoundError([failed(1, first, 1), result, failed(3, 'late')], 'attempts');
    expect(e.errors).toEqual([first, 'late']);
    expect(e.attempts).toHaveLength(3);
    expect(e.message).toBe('Gave up after 3 attempts (no attempts left): late');
  });

  it('answers whether any attempt failed with a class', () => {
    expect(error.hasFailedWith(NotFound)).toBe(true);
    expect(error.hasFailedWith(TypeError)).toBe(false);
    const withTimeout = new CompoundError([failed(1, new Timeout())], 'attempts');
    expect(withTimeout.hasFailedWith(Timeout)).toBe(true);
    expect(withTimeout.hasFailedWith(DynoError)).toBe(true);
    expect(error.hasFailedWith(Timeout)).toBe(false);
  });

  it('recognises a Dyno error from another copy through isInstance', () => {
    // a look-alike from another copy of a package: not the same class, same code
    const foreign = Object.assign(new Error('timed out'), { code: 'DYNO_TIMEOUT' });
    Object.defineProperty(foreign, Symbol.for('@dyno/core/DynoError'), { value: true });
    const e = new CompoundError([failed(1, foreign)], 'attempts');
    expect(e.hasFailedWith(Timeout)).toBe(true);
  });

  it('counts its attempts and keeps none dropped when the history is short', () => {
    expect(error.attemptCount).toBe(2);
    expect(error.droppedCount).toBe(0);
  });

  it('keeps the first attempt and the last ten of a longer history, counting the rest', () => {
    const history = Array.from({ length: 25 }, (_, i) => failed(i + 1, `e${i + 1}`));
    const e = new CompoundError(history, 'attempts', { dropped: 100 });
    expect(e.attempts.map((a) => a.attempt)).toEqual([1, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(e.errors).toEqual([
      'e1',
      'e16',
      'e17',
      'e18',
      'e19',
      'e20',
      'e21',
      'e22',
      'e23',
      'e24',
      'e25',
    ]);
    expect(e.droppedCount).toBe(114);
    expect(e.attemptCount).toBe(125);
    expect(e.message).toBe('Gave up after 125 attempts (no attempts left): e25');
    expect(e.cause).toBe('e25');
  });
});

describe('History', () => {
  const record = (attempt: number) => ({
    attempt,
    failed: attempt % 3 !== 0,
    error: attempt,
    start: attempt,
    duration: 0,
    delay: undefined,
  });

  it('holds at most the first record and the last ten, in order, whatever it is given', () => {
    const history = new History();
    expect(history.kept()).toEqual([]);
    for (let attempt = 1; attempt <= 5; attempt++) history.add(record(attempt));
    expect(history.kept().map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    for (let attempt = 6; attempt <= 200_000; attempt++) {
      history.add(record(attempt));
      if (history.size > 11) throw new Error(`holds ${history.size} records`);
    }
    expect(history.size).toBe(11);
    expect(history.count).toBe(200_000);
    expect(history.failures).toBe(200_000 - Math.floor(200_000 / 3));
    const kept = history.kept();
    expect(kept.map((r) => r.attempt)).toEqual([
      1,
      ...Array.from({ length: 10 }, (_, i) => 199_991 + i),
    ]);
    expect(kept.every((r) => Object.isFrozen(r))).toBe(true);
  });
});
