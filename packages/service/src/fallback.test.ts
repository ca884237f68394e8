import { BrokenCircuitError } from '@dyno/breaker';
import { DynoError } from '@dyno/core';
import { CompoundError } from '@dyno/retry';
import { FallbackError } from './errors.js';
import { service } from './service.js';
import type { ServiceContext } from './service-context.js';
import { tripAfter } from './test-support/helpers.js';

const down = new Error('down');
const failing = () => Promise.reject(down);

describe('service fallback', () => {
  it('resolves with a fallback value and records a fallback success', async () => {
    const s = service(failing, { retry: false, fallback: 'cached' });
    await expect(s()).resolves.toBe('cached');
    const counts = s.metrics?.snapshot().counts;
    expect(counts?.failure).toBe(1);
    expect(counts?.fallbackSuccess).toBe(1);
  });

  it('falls back to null (a value) but not to undefined (no fallback)', async () => {
    await expect(service(failing, { retry: false, fallback: null })()).resolves.toBeNull();
    await expect(service(failing, { retry: false, fallback: undefined })()).rejects.toBe(down);
  });

  it('calls a fallback function with the failure, the arguments and this', async () => {
    const seen: unknown[] = [];
    const s = service((_, id: number) => Promise.reject(new Error(`no ${id}`)), {
      retry: false,
      fallback(this: unknown, error, args) {
        seen.push(this, (error as Error).message, args);
        return Promise.resolve(-1);
      },
    });
    const self = { s };
    await expect(self.s(7)).resolves.toBe(-1);
    expect(seen).toEqual([self, 'no 7', [7]]);
  });

  it('falls back when the circuit is open, with the refusal as the error', async () => {
    const errors: unknown[] = [];
    const s = service(failing, {
      retry: false,
      breaker: tripAfter(1),
      fallback: (error) => {
        errors.push(error);
        return 'fb';
      },
    });
    await s();
    await expect(s()).resolves.toBe('fb');
    expect(BrokenCircuitError.isInstance(errors[1])).toBe(true);
    expect(s.metrics?.snapshot().counts.fallbackSuccess).toBe(2);
  });

  it('rejects with FallbackError keeping both causes when the fallback throws', async () => {
    const broken = new Error('fallback broke');
    const s = service(failing, {
      name: 'users',
      retry: false,
      fallback: () => {
        throw broken;
      },
    });
    const error = (await s().catch((e: unknown) => e)) as FallbackError;
    expect(error).toBeInstanceOf(FallbackError);
    expect(FallbackError.isInstance(error)).toBe(true);
    expect(DynoError.isInstance(error)).toBe(true);
    expect(error.code).toBe('DYNO_FALLBACK_FAILED');
    expect(error.source).toBe('users');
    expect(error.cause).toBe(broken);
    expect(error.error).toBe(down);
    expect(error.message).toBe(
      'The fallback of "users" failed: fallback broke (the call had failed: down)',
    );
    expect(s.metrics?.snapshot().counts.fallbackFailure).toBe(1);
  });

  it('reports a rejected fallback promise and a non-Error throw as fallback failures', async () => {
    const s = service(() => Promise.reject('plain'), {
      retry: false,
      fallback: () => Promise.reject(42),
    });
    const error = (await s().catch((e: unknown) => e)) as FallbackError;
    expect(error.cause).toBe(42);
    expect(error.error).toBe('plain');
    expect(error.message).toBe(
      'The fallback of "service#' +
        error.source?.split('#')[1] +
        '" failed: 42 (the call had failed: plain)',
    );
    expect(FallbackError.isInstance(new Error('x'))).toBe(false);
  });

  it('works without metrics', async () => {
    const s = service(failing, { retry: false, metrics: false, fallback: () => 1 });
    await expect(s()).resolves.toBe(1);
    const t = service(failing, {
      retry: false,
      metrics: false,
      fallback: () => {
        throw new Error('x');
      },
    });
    await expect(t()).rejects.toThrow(FallbackError);
  });
});

describe('fallback and the breaker classification', () => {
  const notFound = Object.assign(new Error('not found'), { status: 404 });
  const isFailure = (value: unknown, kind: 'error' | 'result') =>
    kind === 'error' && value !== notFound;

  it('gives the caller an error the breaker does not count, neither retried nor replaced', async () => {
    const fn = jest.fn((_context: ServiceContext) => Promise.reject(notFound));
    const fallback = jest.fn(() => 'fallback');
    const svc = service(fn, { breaker: { isFailure }, fallback, pool: false, timeout: false });
    const error = await svc().catch((e: unknown) => e);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fallback).not.toHaveBeenCalled();
    expect(CompoundError.isInstance(error)).toBe(true);
    expect((error as CompoundError).cause).toBe(notFound);
    svc.dispose();
  });

  it('still falls back for errors the breaker counts', async () => {
    const svc = service((_context: ServiceContext) => Promise.reject(new Error('down')), {
      retry: false,
      breaker: { isFailure },
      fallback: 'fallback',
    });
    await expect(svc()).resolves.toBe('fallback');
    svc.dispose();
  });
});
