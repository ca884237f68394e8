import { ManualClock } from '@dyno/core/testing';
import { toHystrixCommand } from './hystrix-format.js';
import { Metrics } from './metrics.js';
import { FakeHedge, FakeHttp, FakeRetry } from './test-support/fakes.js';

const make = (clock = new ManualClock()) => new Metrics({ name: 'api https://a.test', clock });

describe('Metrics.observe: an HTTP source', () => {
  it('counts responses by status class, over the window and since creation', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const http = new FakeHttp('api https://a.test');
    m.observe(http);
    http.answer(200, 204, 299, 301, 404, 429, 500, 503, 101);
    expect(m.snapshot().http).toEqual({
      name: 'api https://a.test',
      statuses: { '1xx': 1, '2xx': 3, '3xx': 1, '4xx': 2, '5xx': 2 },
      totals: { statuses: { '1xx': 1, '2xx': 3, '3xx': 1, '4xx': 2, '5xx': 2 } },
    });
    await clock.advance(10_000);
    http.answer(200);
    expect(m.snapshot().http).toEqual({
      name: 'api https://a.test',
      statuses: { '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 0 },
      totals: { statuses: { '1xx': 1, '2xx': 4, '3xx': 1, '4xx': 2, '5xx': 2 } },
    });
  });

  it('ignores a status outside 100-599, and counts no outcome', () => {
    const m = make();
    const http = new FakeHttp();
    m.observe(http);
    http.answer(0, 99, 600, 999);
    const s = m.snapshot();
    expect(s.http?.totals.statuses).toEqual({ '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 });
    expect(s.requests).toBe(0);
  });

  it('carries the window by status class as dyno fields of the HystrixCommand', () => {
    const m = make();
    const http = new FakeHttp();
    m.observe(http);
    http.answer(200, 200, 302, 404, 502);
    expect(toHystrixCommand(m.snapshot(), 0)).toMatchObject({
      dynoHttp1xx: 0,
      dynoHttp2xx: 2,
      dynoHttp3xx: 1,
      dynoHttp4xx: 1,
      dynoHttp5xx: 1,
    });
    expect(toHystrixCommand(make().snapshot(), 0)).not.toHaveProperty('dynoHttp2xx');
  });

  it('stops counting once disposed, and is told apart from a retry', () => {
    const m = make();
    const http = new FakeHttp();
    const retry = new FakeRetry();
    const sub = m.observe(http);
    m.observe(retry);
    http.answer(200);
    sub.dispose();
    http.answer(200);
    expect(http.response.hasListeners).toBe(false);
    expect(m.snapshot().http).toBeNull();
    retry.retry.emit({ name: 'retry', attempt: 1, delay: 0 });
    expect(m.snapshot().retries).toBe(1);
  });
});

describe('Metrics.observe: a hedge', () => {
  it('counts extra attempts, wins and refusals, over the window and since creation', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const hedge = new FakeHedge('api https://a.test');
    m.observe(hedge);
    hedge.run(4, 3, 2);
    expect(m.snapshot().hedge).toEqual({
      name: 'api https://a.test',
      hedges: 4,
      wins: 3,
      refused: 2,
      totals: { hedges: 4, wins: 3, refused: 2 },
    });
    await clock.advance(10_000);
    hedge.run(1, 0);
    expect(m.snapshot().hedge).toMatchObject({
      hedges: 1,
      wins: 0,
      refused: 0,
      totals: { hedges: 5, wins: 3, refused: 2 },
    });
    expect(m.snapshot().requests).toBe(0);
  });

  it('takes a hedge without a budget (no onRefuse)', () => {
    const m = make();
    const hedge = new FakeHedge('plain', false);
    m.observe(hedge);
    hedge.run(2, 1);
    expect(m.snapshot().hedge).toMatchObject({ hedges: 2, wins: 1, refused: 0 });
  });

  it('carries the window as dyno fields of the HystrixCommand', () => {
    const m = make();
    const hedge = new FakeHedge();
    m.observe(hedge);
    hedge.run(3, 2, 1);
    expect(toHystrixCommand(m.snapshot(), 0)).toMatchObject({
      dynoHedges: 3,
      dynoHedgeWins: 2,
      dynoHedgeRefused: 1,
    });
    expect(toHystrixCommand(make().snapshot(), 0)).not.toHaveProperty('dynoHedges');
  });

  it('unsubscribes from every event when the Metrics is disposed', () => {
    const m = make();
    const hedge = new FakeHedge();
    m.observe(hedge);
    m.dispose();
    expect(hedge.hedge.hasListeners).toBe(false);
    expect(hedge.win.hasListeners).toBe(false);
    expect(hedge.refuse.hasListeners).toBe(false);
  });
});
