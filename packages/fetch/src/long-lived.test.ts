// Long-lived callers (sixth probing round): one AbortSignal shared by every call of a process (a
// shutdown signal), and responses whose body nobody reads. `fetch` itself lets such a response
// be collected; the client must not pin it (and its connection) to the shared signal for ever.
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ManualClock } from '@dyno/core/testing';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer } from './test-support/server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: Awaited<ReturnType<typeof faultServer>>;
beforeEach(async () => {
  server = await faultServer();
});
afterEach(() => server.close());

/** How many of `n` responses, answered and dropped unread, are still reachable after GC. */
async function unreadStillHeld(client: ReturnType<typeof resilientFetch>, signal: AbortSignal) {
  const refs: WeakRef<Response>[] = [];
  for (let i = 0; i < 20; i++) {
    refs.push(new WeakRef(await client(server.url('/a'), { signal })));
  }
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
  return refs.filter((r) => r.deref() !== undefined).length;
}

describe('resilientFetch with a long-lived shared signal', () => {
  it('lets an unread response be collected, without a deadline (regression)', async () => {
    // the attempt's listener on the caller's signal held its settled promise, and so the response
    const client = resilientFetch({ retry: false, timeout: false });
    const { signal } = new AbortController();
    expect(await unreadStillHeld(client, signal)).toBe(0);
    // and once collected, nothing of those calls listens on the signal any more
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    client.dispose();
  });

  it('lets an unread response be collected before its deadline passes (regression)', async () => {
    // the call's timer and its listener on the caller's signal held the response until then
    const clock = new ManualClock();
    const client = resilientFetch({ clock, retry: false, timeout: 30_000 });
    const { signal } = new AbortController();
    expect(await unreadStillHeld(client, signal)).toBe(0);
    // the deadline, which bounds the body, lets go of the signal: unread, nothing else would
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    await clock.advance(30_000);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    client.dispose();
  });
});
