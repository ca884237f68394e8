import { ConstantBackoff } from '@dyno/retry';

/** A retry that retries at once, so tests need no clock for backoffs. */
export const quickRetry = (attempts = 3) => ({
  attempts,
  backoff: new ConstantBackoff({ delay: 0 }),
});

/** A breaker that opens after `failures` consecutive failures. */
export const tripAfter = (failures: number, openDuration = 1000) => ({
  strategy: { kind: 'consecutive-failures' as const, failures },
  openDuration,
});

/** Collects unhandled rejections while a test runs. */
export function watchUnhandled(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  return { seen, stop: () => process.off('unhandledRejection', listener) };
}

/** Lets every pending promise callback and `setImmediate` run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
