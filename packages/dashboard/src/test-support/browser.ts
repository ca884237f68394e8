import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { dashboard } from '../dashboard.js';
import { close, listen } from './http.js';

/**
 * Launches the system's Chromium (Debian's by default; DYNO_CHROMIUM names another), never a
 * downloaded browser, with nothing running in the background.
 */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.DYNO_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A real server on 127.0.0.1: the page at `/dashboard`, `stream` at `/hystrix.stream`. */
export interface Site {
  readonly url: string;
  readonly server: Server;
  /** While false, the stream answers 503 (a process that lost its stream). */
  up: boolean;
  close(): Promise<void>;
}

/** Serves the dashboard and a stream the way an application would. */
export async function serve(stream: Handler): Promise<Site> {
  const page = dashboard();
  let up = true;
  const { server, url } = await listen((request, response) => {
    if (!request.url?.startsWith('/hystrix.stream')) return page(request, response);
    if (up) return stream(request, response);
    response.writeHead(503, { 'Access-Control-Allow-Origin': '*' });
    response.end();
  });
  return {
    url,
    server,
    get up() {
      return up;
    },
    set up(value: boolean) {
      up = value;
    },
    close: () => close(server),
  };
}

/**
 * Waits until a JavaScript expression is truthy in the page. It polls from here with
 * `page.evaluate`: `waitForFunction` would `eval` the expression inside the page, which the
 * page's own Content-Security-Policy forbids (as it should).
 */
export async function until(page: Page, expression: string, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(expression);
    if (value) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${expression} (last: ${value})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Collects what must never happen in the page: an uncaught error, or anything the page's
 * Content-Security-Policy refused (an inline style attribute, an eval, a fetch elsewhere).
 */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  return problems;
}

/** An expression: the text of every element matching `selector`, as JSON. */
export const textsOf = (selector: string): string =>
  `JSON.stringify(Array.from(document.querySelectorAll(${JSON.stringify(selector)}), (e) => e.textContent))`;

/** Waits until the visible circuit cards are `names`, in that order. */
export function untilOrder(page: Page, names: readonly string[]): Promise<void> {
  const selector = '#circuits > article:not([hidden]) h3';
  return until(page, `${textsOf(selector)} === ${JSON.stringify(JSON.stringify(names))}`);
}

/** The card of the circuit (or pool) called `name`. */
export function card(page: Page, name: string, list: 'circuits' | 'pools' = 'circuits'): Locator {
  return page
    .locator(`#${list} > article`)
    .filter({ has: page.getByRole('heading', { name, exact: true }) });
}

/** Waits until part `part` of the card of `name` reads `text`. */
export async function untilPart(
  page: Page,
  name: string,
  part: string,
  text: string,
  list: 'circuits' | 'pools' = 'circuits',
): Promise<void> {
  await card(page, name, list)
    .locator(`[data-part="${part}"]`)
    .filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) })
    .waitFor({ timeout: 5000 });
}
