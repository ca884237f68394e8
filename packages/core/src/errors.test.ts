import { DisposedError, DynoError, hasCode, markDynoError } from './errors.js';

class BrokenError extends DynoError {
  constructor(source?: string) {
    super('DYNO_BROKEN', 'broken', { source });
  }
}

describe('DynoError', () => {
  it('keeps code, source, cause and the class name', () => {
    const cause = new Error('inner');
    const error = new DynoError('DYNO_TEST', 'outer', { source: 'db', cause });
    expect(error.code).toBe('DYNO_TEST');
    expect(error.source).toBe('db');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('DynoError');
    expect(error.message).toBe('outer');
    expect(error).toBeInstanceOf(Error);
  });

  it('names a subclass after the subclass', () => {
    const error = new BrokenError('payments');
    expect(error.name).toBe('BrokenError');
    expect(error).toBeInstanceOf(BrokenError);
    expect(error).toBeInstanceOf(DynoError);
    expect(new DynoError('DYNO_X', 'x')).not.toBeInstanceOf(BrokenError);
  });

  it('has no cause property when none was given', () => {
    expect('cause' in new DynoError('DYNO_X', 'x')).toBe(false);
  });

  it('keeps a given cause, even undefined, as an own enumerable field like code and source', () => {
    const error = new DynoError('DYNO_X', 'x', { source: 'db', cause: 'why' });
    expect(Object.keys(error).sort()).toEqual(['cause', 'code', 'name', 'source']);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'DYNO_X', cause: 'why' });
    expect(Object.hasOwn(new DynoError('DYNO_X', 'x', { cause: undefined }), 'cause')).toBe(true);
  });

  it('recognises an error made by another copy of the package', () => {
    // a second copy shares only the Symbol.for marker
    const foreign = Object.assign(new Error('elsewhere'), {
      [Symbol.for('@dyno/core/DynoError')]: true,
      code: 'DYNO_BROKEN',
      source: 'x',
    });
    expect(DynoError.isInstance(foreign)).toBe(true);
    expect(foreign instanceof DynoError).toBe(true);
    expect(hasCode(foreign, 'DYNO_BROKEN')).toBe(true);
    expect(hasCode(foreign, 'DYNO_TIMEOUT')).toBe(false);
  });

  it('rejects values that are not Dyno errors', () => {
    for (const v of [null, undefined, 'DYNO', 1, {}, new Error('x'), { code: 'DYNO_BROKEN' }]) {
      expect(DynoError.isInstance(v)).toBe(false);
      expect(v instanceof DynoError).toBe(false);
    }
  });

  it('answers false, never throws, for a revoked proxy or a throwing getter', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const marked = new BrokenError();
    Object.defineProperty(marked, 'code', {
      get() {
        throw new Error('getter');
      },
    });
    expect(DynoError.isInstance(proxy)).toBe(false);
    expect(proxy instanceof DynoError).toBe(false);
    expect(hasCode(proxy, 'DYNO_BROKEN')).toBe(false);
    expect(DisposedError.isInstance(proxy)).toBe(false);
    expect(hasCode(marked, 'DYNO_BROKEN')).toBe(false);
  });

  it('marks an AggregateError so it counts as a DynoError', () => {
    const aggregate = markDynoError(
      new AggregateError([1, 2], 'all failed'),
      'DYNO_RETRY_EXHAUSTED',
      'r',
    );
    expect(aggregate instanceof DynoError).toBe(true);
    expect(aggregate.code).toBe('DYNO_RETRY_EXHAUSTED');
    expect(aggregate.source).toBe('r');
    expect(aggregate).toBeInstanceOf(AggregateError);
  });

  it('DisposedError has its own code and isInstance', () => {
    const error = new DisposedError('Pool "db"', 'db');
    expect(error.code).toBe('DYNO_DISPOSED');
    expect(error.message).toBe('Pool "db" has been disposed');
    expect(DisposedError.isInstance(error)).toBe(true);
    expect(DisposedError.isInstance(new DynoError('DYNO_X', 'x'))).toBe(false);
  });
});
