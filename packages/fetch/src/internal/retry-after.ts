// The HTTP-date forms a recipient must read (RFC 9110, section 5.6.7), all in GMT: the
// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850 `Sunday, 06-Nov-94 08:49:37
// GMT`, and asctime's `Sun Nov  6 08:49:37 1994`, which names no zone. `Date.parse` alone reads
// far more: `-1`, `1.5` and `+5` as dates in 2001, which would make a retry come at once.
const GMT_DATE = /^[A-Za-z]{3,9}, \d{2}[ -][A-Za-z]{3}[ -]\d{2}(?:\d{2})? \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * The wait a `Retry-After` header asks for, in ms: delay-seconds (`"120"`) or an HTTP date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`, compared with the wall clock, as the header is). A date in
 * the past is 0; anything else (`"-1"`, `"1.5"`, a date in another form) is `undefined`: the
 * backoff decides.
 */
export function parseRetryAfter(
  value: string | null,
  wallNow: number = Date.now(),
): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = GMT_DATE.test(text) ? text : ASCTIME.test(text) ? `${text} GMT` : undefined;
  if (date === undefined) return undefined;
  const at = Date.parse(date);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - wallNow);
}
