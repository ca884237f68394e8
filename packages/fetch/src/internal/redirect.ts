/**
 * `fetch`'s `TypeError` for a redirect it may not follow: `redirect: 'error'` met one, or they
 * looped past its limit. The origin answered, so this is no network error: another attempt
 * meets the same redirect, and the origin's breaker must not count it. undici tells it from a
 * network error only by its cause's message.
 */
export function isRedirectRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || (error as Error).name !== 'TypeError') {
    return false;
  }
  const cause: unknown = (error as { cause?: unknown }).cause;
  if (typeof cause !== 'object' || cause === null) return false;
  const message = (cause as { message?: unknown }).message;
  return message === 'unexpected redirect' || message === 'redirect count exceeded';
}
