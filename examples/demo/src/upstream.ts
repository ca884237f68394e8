// The dependency the demo protects: a local HTTP server whose behaviour follows the phase it is
// set to. Healthy and recovered, it answers in a few ms; during the outage most requests fail
// at once and the rest hang far past the client's timeout.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the upstream does now. */
export type Phase = 'healthy' | 'outage' | 'recovered';

/** Timings of the upstream, in ms. */
export interface UpstreamTimings {
  /** Latency of a healthy answer (uniform between `fast / 2` and `fast`). */
  readonly fast: number;
  /** How long a slow answer hangs during the outage. */
  readonly slow: number;
  /** Share of outage requests that fail at once with 503 (the rest hang). */
  readonly failRatio: number;
}

/** A running upstream. */
export interface Upstream {
  readonly url: string;
  phase: Phase;
  /** Requests that reached the server. */
  readonly received: number;
  close(): Promise<void>;
}

/** Starts the upstream on 127.0.0.1 on a free port. */
export async function startUpstream(
  timings: UpstreamTimings,
  random = Math.random,
): Promise<Upstream> {
  let received = 0;
  const state = { phase: 'healthy' as Phase };
  const server: Server = createServer((req, res) => {
    received++;
    req.resume();
    const healthy = state.phase !== 'outage';
    const fail = !healthy && random() < timings.failRatio;
    const delay = fail ? 1 : healthy ? timings.fast * (0.5 + random() / 2) : timings.slow;
    const timer = setTimeout(() => {
      res.writeHead(fail ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(fail ? { error: 'unavailable' } : { ok: true, phase: state.phase }));
    }, delay);
    // the client gave up (its timeout aborted the request): drop the pending answer
    res.on('close', () => clearTimeout(timer));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get phase() {
      return state.phase;
    },
    set phase(phase: Phase) {
      state.phase = phase;
    },
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
