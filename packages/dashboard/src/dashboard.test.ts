import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import path from 'node:path';
import { dashboard } from './dashboard.js';
import { CLIENT_SCRIPT } from './internal/client-script.js';
import { DEFAULT_DASHBOARD_OPTIONS } from './options.js';
import { close, listen } from './test-support/http.js';

const hash = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const between = (html: string, open: string, end: string): string => {
  const start = html.indexOf(open) + open.length;
  return html.slice(start, html.indexOf(end, start));
};

describe('dashboard', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const page = dashboard({ title: 'Orders <&> "prod"', streamUrl: '/streams/hystrix?x=1&y=2' });
    ({ server, url } = await listen((req, res) => page(req, res)));
  });
  afterAll(() => close(server));

  it('serves one self-contained HTML page with the title and stream URL escaped', async () => {
    const response = await fetch(`${url}/anything`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(html)));
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>Orders &#60;&#38;&#62; &#34;prod&#34;</title>');
    expect(html).toContain('<h1>Orders &#60;&#38;&#62; &#34;prod&#34;</h1>');
    expect(html).toContain('data-stream="/streams/hystrix?x=1&#38;y=2"');
    expect(html).not.toContain('<&>');
  });

  it('loads nothing from the network: no URL, link, import or font in the page', async () => {
    const html = await (await fetch(url)).text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link|<img|<iframe|\ssrc=|@import|[\s:,]url\(|@font-face/);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html.match(/<style>/g)).toHaveLength(1);
  });

  it('admits only its own inline script and style through the Content-Security-Policy', async () => {
    const response = await fetch(url);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src ${hash(between(html, '<script>', '</script>'))}`);
    expect(csp).toContain(`style-src ${hash(between(html, '<style>', '</style>'))}`);
    expect(csp).toContain('connect-src *');
    expect(csp).not.toContain('unsafe-inline');
  });

  it('answers HEAD with the headers alone', async () => {
    const response = await fetch(url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(10_000);
    expect(await response.text()).toBe('');
  });

  it('answers 405 with Allow to any other method', async () => {
    const response = await fetch(url, { method: 'POST', body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.text()).toBe(
      'POST is not allowed: the dashboard answers GET and HEAD.\n',
    );
  });

  it('mounts as express middleware: a third `next` argument is ignored, never called', async () => {
    const next = jest.fn();
    const page = dashboard();
    const { server: s, url: u } = await listen((req, res) => page(req, res, next));
    try {
      const html = await (await fetch(u)).text();
      expect(html).toContain(`data-stream="${DEFAULT_DASHBOARD_OPTIONS.streamUrl}"`);
      expect(html).toContain(`<h1>${DEFAULT_DASHBOARD_OPTIONS.title}</h1>`);
      expect(next).not.toHaveBeenCalled();
    } finally {
      await close(s);
    }
  });

  it('inlines the page script as built from src/client by scripts/build-client.mjs', async () => {
    const html = await (await fetch(url)).text();
    expect(between(html, '<script>', '</script>')).toBe(CLIENT_SCRIPT);
    // exits 1 when src/internal/client-script.ts is older than the TypeScript it is built from
    const script = path.join(__dirname, '..', 'scripts', 'build-client.mjs');
    expect(() =>
      execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('keeps the page script free of anything that would end it early', async () => {
    const html = await (await fetch(url)).text();
    const script = between(html, '<script>', '</script>');
    expect(script).not.toMatch(/<\/script|<!--/i);
    expect(script.length).toBeGreaterThan(5000);
  });
});

describe('dashboard options', () => {
  it('has frozen defaults', () => {
    expect(DEFAULT_DASHBOARD_OPTIONS).toEqual({
      streamUrl: './hystrix.stream',
      title: 'Dyno dashboard',
    });
    expect(Object.isFrozen(DEFAULT_DASHBOARD_OPTIONS)).toBe(true);
  });

  it.each([
    'http://10.0.0.7:8080/hystrix.stream',
    'https://orders.internal/hystrix.stream',
    '/hystrix.stream',
    'hystrix.stream?delay=100',
  ])('accepts the stream URL %s', (streamUrl) => {
    expect(typeof dashboard({ streamUrl })).toBe('function');
  });

  it.each([
    [{ streamUrl: 5 }, TypeError, 'option `streamUrl` must be a URL of at most 2048 characters'],
    [{ streamUrl: '' }, RangeError, 'option `streamUrl` must be a URL'],
    [{ streamUrl: 'javascript:alert(1)' }, RangeError, 'received "javascript:alert(1)"'],
    [{ streamUrl: 'ftp://host/stream' }, RangeError, 'option `streamUrl`'],
    [{ streamUrl: 'http://[::1' }, RangeError, 'option `streamUrl`'],
    [{ streamUrl: '/a b' }, RangeError, 'without spaces or control characters'],
    [{ streamUrl: `/${'x'.repeat(2048)}` }, RangeError, 'option `streamUrl`'],
    [{ title: 7 }, TypeError, 'option `title` must be a non-empty string of at most 200'],
    [{ title: '   ' }, RangeError, 'received "   "'],
    [{ title: 'a\nb' }, RangeError, 'option `title`'],
    [{ title: 'x'.repeat(201) }, RangeError, 'option `title`'],
    [{ stream: '/x' }, TypeError, 'unknown option `stream` (known: streamUrl, title)'],
  ])('rejects %j', (options, Kind, message) => {
    expect(() => dashboard(options as never)).toThrow(Kind);
    expect(() => dashboard(options as never)).toThrow(message);
  });

  it('names package, option, what it accepts and what it received', () => {
    expect(() => dashboard({ title: '' })).toThrow(
      new RangeError(
        '@dyno/dashboard: option `title` must be a non-empty string of at most 200 characters without control characters; received ""',
      ),
    );
  });

  it('rejects options that are not an object', () => {
    expect(() => dashboard('./hystrix.stream' as never)).toThrow(
      new TypeError('@dyno/dashboard: options must be an object; received "./hystrix.stream"'),
    );
  });
});
