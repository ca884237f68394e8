import http from 'node:http';
import type { ShedEvent } from './events.js';
import { Shedder } from './shedder.js';
import { serve } from './test-support/http.js';

// Real overload on real HTTP on loopback: a server whose handlers block the event loop with
// synchronous work, as a CPU-bound route does. Asserts on counts, never on timing.

/** `count` GETs of `path` over `sockets` kept-alive connections; resolves with their statuses. */
async function hammer(port: number, count: number, sockets: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const one = () =>
    new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        })
        .on('error', reject);
    });
  try {
    return await Promise.all(Array.from({ length: count }, one));
  } finally {
    agent.destroy();
  }
}

/** Blocks the event loop for `ms` of real time (a CPU-bound handler). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // synchronous work: nothing else runs
  }
}

describe('Shedder under a handler that blocks the event loop', () => {
  it('sees the delay that the request which took a reading causes right after it', async () => {
    // each reading of Node's monitor used to reset it, and a reset forgets the monitor's last
    // tick: the block of the request that took the reading (and of every request the same poll
    // served) was never measured, so a loop blocked all the time read as idle
    const shedder = new Shedder({ maxEventLoopDelay: 20, sampleInterval: 30 });
    const sheds: ShedEvent[] = [];
    shedder.onShed((e) => sheds.push(e));
    const server = await serve(
      shedder.handle((_, response) => {
        busy(60);
        response.end('ok');
      }),
    );
    try {
      const statuses = await hammer(server.port, 24, 8);
      // 24 requests of 60 ms each: the loop was blocked for over a second, in one go
      // the loop was blocked the whole time: most are shed (19 to 23 of 24 seen; none before)
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(12);
      expect(sheds.every((e) => e.reason === 'event-loop')).toBe(true);
      expect(statuses.filter((s) => s === 200).length + sheds.length).toBe(24);
    } finally {
      await server.close();
      shedder.close();
    }
  });
});
