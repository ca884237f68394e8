import type { Rule, Rules } from '@dyno/core';

/** Options of `dashboard`. */
export interface DashboardOptions {
  /**
   * Where the page reads the Hystrix stream (`hystrixStream` from `@dyno/metrics`), resolved
   * against the page's own URL: the default suits a page at `/dashboard` and a stream at
   * `/hystrix.stream`. An absolute `http:` or `https:` URL reads another instance (its stream
   * must admit the page's origin: `hystrixStream`'s `allowedOrigins`, empty by default). A
   * `?stream=` query parameter or the URL field in the page overrides it.
   * @default './hystrix.stream'
   */
  readonly streamUrl?: string;
  /**
   * The page's heading and document title.
   * @default 'Dyno dashboard'
   */
  readonly title?: string;
}

/** The defaults of `dashboard`. */
export const DEFAULT_DASHBOARD_OPTIONS: Readonly<Required<DashboardOptions>> = Object.freeze({
  streamUrl: './hystrix.stream',
  title: 'Dyno dashboard',
});

/** The longest `title` accepted: a heading, not a document. */
export const MAX_TITLE_LENGTH = 200;
/** The longest `streamUrl` accepted (what browsers and proxies reliably carry). */
export const MAX_URL_LENGTH = 2048;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/;
const BASE = 'http://localhost/';

const streamUrl: Rule = Object.freeze({
  expected: `a URL of at most ${MAX_URL_LENGTH} characters, relative or http(s), without spaces or control characters`,
  test(v: unknown) {
    if (typeof v !== 'string') return 'type';
    if (v.length === 0 || v.length > MAX_URL_LENGTH || CONTROL.test(v) || /\s/.test(v)) {
      return 'range';
    }
    let url: URL;
    try {
      url = new URL(v, BASE);
    } catch {
      return 'range';
    }
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'range';
  },
});

const title: Rule = Object.freeze({
  expected: `a non-empty string of at most ${MAX_TITLE_LENGTH} characters without control characters`,
  test(v: unknown) {
    if (typeof v !== 'string') return 'type';
    return v.trim().length > 0 && v.length <= MAX_TITLE_LENGTH && !CONTROL.test(v)
      ? undefined
      : 'range';
  },
});

/** The validation rules of `DashboardOptions`. */
export const DASHBOARD_RULES: Rules<DashboardOptions> = Object.freeze({ streamUrl, title });
