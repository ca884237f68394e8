// Fleet rate limiting on Redis (issue 19): @dyno/pool-redis's RedisRateLimiter (one GCRA script
// per decision) against rate-limiter-flexible's RateLimiterRedis, on the same local Redis
// (DYNO_REDIS_URL, or a redis-server started here on a free port). Registered in scenarios.mjs.
import { spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { measure } from './harness.mjs';

const RATE = 200; // per second, for the accuracy run
const RUN_MS = 1000;
const LOOPS = 8;

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const canConnect = (port) =>
  new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });

/** DYNO_REDIS_URL, or a redis-server started on a free port (`stop()` ends it). */
export async function redis() {
  if (process.env.DYNO_REDIS_URL) return { url: process.env.DYNO_REDIS_URL, stop() {} };
  const port = await freePort();
  const args = ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  for (let i = 0; i < 200 && !(await canConnect(port)); i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => server.kill() };
}

/** `LOOPS` callers asking for `RUN_MS`; how many were admitted. */
async function hammer(admit) {
  let admitted = 0;
  const until = Date.now() + RUN_MS;
  const loop = async () => {
    while (Date.now() < until) {
      if (await admit()) admitted++;
      else await new Promise((r) => setTimeout(r, 1));
    }
  };
  await Promise.all(Array.from({ length: LOOPS }, loop));
  return admitted;
}

export const FLEET_SCENARIOS = {
  fleetRate: {
    title: 'Fleet rate limit on Redis',
    what: `one decision per call on a local Redis: decisions per second of @dyno/pool-redis's RedisRateLimiter (GCRA script) and rate-limiter-flexible's RateLimiterRedis, against a bare GET; then ${LOOPS} callers for ${RUN_MS} ms at ${RATE}/s: admitted against rate·t + burst`,
    async run() {
      // loaded here, so an unbuilt package fails this scenario only
      const { RedisRateLimiter } = await import('@dyno/pool-redis');
      const server = await redis();
      const client = new Redis(server.url);
      const prefix = `bench:${process.pid}:`;
      try {
        const dyno = new RedisRateLimiter({ client, prefix, rate: 1e9, whenUnavailable: 'refuse' });
        const flexible = new RateLimiterRedis({
          storeClient: client,
          keyPrefix: `${prefix}rlf`,
          points: 1e9,
          duration: 1,
        });
        const ignore = () => {};
        const rows = await measure(
          [
            {
              label: 'bare Redis GET',
              lib: 'bare',
              baseline: true,
              kind: 'async',
              call: () => client.get(`${prefix}none`),
            },
            {
              label: 'Dyno',
              lib: 'dyno',
              kind: 'async',
              call: () => dyno.acquire({ key: 'speed' }).catch(ignore),
            },
            {
              label: 'rate-limiter-flexible',
              lib: 'rate-limiter-flexible',
              kind: 'async',
              call: () => flexible.consume('speed').catch(ignore),
            },
          ],
          { targetMs: 150, warmupMs: 300 },
        );
        for (const r of rows) if (r.ns) r.note = `${Math.round(1e9 / r.ns)} decisions/s`;

        const limited = new RedisRateLimiter({ client, prefix, rate: RATE, burst: RATE });
        const dynoAdmitted = await hammer(() =>
          limited.acquire({ key: 'accuracy' }).then(
            () => true,
            () => false,
          ),
        );
        const rlf = new RateLimiterRedis({
          storeClient: client,
          keyPrefix: `${prefix}rlf-accuracy`,
          points: RATE,
          duration: 1,
        });
        const flexibleAdmitted = await hammer(() =>
          rlf.consume('accuracy').then(
            () => true,
            () => false,
          ),
        );
        const bound = (RATE * RUN_MS) / 1000 + RATE;
        rows.push(
          {
            lib: 'dyno',
            label: 'Dyno, accuracy',
            status: `${dynoAdmitted} admitted in ${RUN_MS} ms (GCRA bound rate·t + burst = ${bound})`,
          },
          {
            lib: 'rate-limiter-flexible',
            label: 'rate-limiter-flexible, accuracy',
            status: `${flexibleAdmitted} admitted in ${RUN_MS} ms (fixed ${RATE}-point windows of 1 s: up to ${2 * RATE} across a window edge)`,
          },
        );
        return { rows };
      } finally {
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
        server.stop();
      }
    },
  },
};
