import { type Deferred, deferred, ManualClock } from '@dyno/core/testing';
import { waitFor } from '@dyno-tools/testing';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer, type Handler, ok, reset, status } from './test-support/server.js';

let server: Awaited<ReturnType<typeof faultServer>>;
beforeEach(async () => {
  server = await faultServer();
});
afterEach(() => server.close());

describe('resilientFetch with hedging', () => {
  it('answers from a hedge when the first attempt is slow, and aborts the slow one', async () => {
    let closed = false;
    const slow: Handler = (req, res) => {
      req.socket.on('close', () => {
        closed = true;
      });
      server.later(1_500, () => res.end('slow'));
    };
    server.script('/tail', slow, ok('fast'));
    const client = resilientFetch({ hedge: { delay: 30, budget: false } });
    const started = Date.now();
    const response = await client(server.url('/tail'));
    await expect(response.text()).resolves.toBe('fast');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(client.stats()[0]).toMatchObject({ hedges: 1, hedgeWins: 1, retries: 0 });
    await waitFor(() => closed, "the server saw the slow attempt's connection go");
  });

  it('starts the next attempt at once after a 503 or a reset', async () => {
    server.script('/bad', status(503), reset, ok('third'));
    const client = resilientFetch({ hedge: { delay: 5_000, maxAttempts: 3, budget: false } });
    const response = await client(server.url('/bad'));
    await expect(response.text()).resolves.toBe('third');
    expect(server.hits('/bad')).toHaveLength(3);
  });

  it('answers with the last unacceptable response when nothing better comes', async () => {
    server.script('/down', status(503));
    const client = resilientFetch({ hedge: { delay: 5_000, budget: false } });
    const response = await client(server.url('/down'));
    expect(response.status).toBe(503);
    await response.text();
  });

  it('never hedges a POST', async () => {
    server.script('/post', status(503), ok('second'));
    const client = resilientFetch({ hedge: { delay: 1, budget: false } });
    const response = await client(server.url('/post'), { method: 'POST', body: 'x' });
    expect(response.status).toBe(503);
    await response.text();
    expect(server.hits('/post')).toHaveLength(1);
  });

  it('hedges by default after the 95th percentile of the origin’s latency, within a 10 % budget', async () => {
    const client = resilientFetch({ hedge: {} });
    for (let i = 0; i < 5; i++) await (await client(server.url('/x'))).text();
    expect(server.hits('/x')).toHaveLength(5); // fast answers, and no budget yet
  });
});

describe('resilientFetch with hedging: answers that come together', () => {
  it('answers with the winner’s body intact when the losing attempt answers in the same turn', async () => {
    const clock = new ManualClock();
    const answers = [deferred<Response>(), deferred<Response>()];
    const pending = [...answers];
    const fetch = () => (pending.shift() as Deferred<Response>).promise;
    const client = resilientFetch({ clock, fetch, hedge: { delay: 100, budget: false } });
    const call = client('http://example.test/x');
    await clock.advance(100); // the hedge starts
    const loser = new Response('second');
    answers[0]?.resolve(new Response('first'));
    answers[1]?.resolve(loser);
    const response = await call;
    await expect(response.text()).resolves.toBe('first');
    expect(loser.bodyUsed).toBe(true); // cancelled: its connection goes back to the pool
    expect(clock.pending).toBe(0);
  });
});
