/**
 * The wait a `Retry-After` header asks for, in ms: delay-seconds (`"120"`) or an HTTP date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`, compared with the wall clock, as the header is). A date in
 * the past is 0; anything unreadable is `undefined` (the backoff decides).
 */
export function parseRetryAfter(
  value: string | null,
  wallNow: number = Date.now(),
): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - wallNow);
}
