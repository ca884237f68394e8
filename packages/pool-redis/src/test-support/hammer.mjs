// One process of the fleet accuracy test: `loops` callers hammer one key of a RedisRateLimiter
// from `start` (sent by the parent) until `start + duration`, each asking again as soon as it is
// answered, and it reports how many calls were admitted and when the first and last were. `code` is the directory of the
// transpiled packages (see transpile.ts).
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

const [code, url, prefix, rate, burst, duration, loops] = process.argv.slice(2);
const from = (path) => import(pathToFileURL(`${code}/${path}`).href);
const { RedisRateLimiter } = await from('pool-redis/index.js');
const { RateLimitedError } = await from('pool/index.js');
const client = new Redis(url);
const limiter = new RedisRateLimiter({
  client,
  prefix,
  rate: Number(rate),
  burst: Number(burst),
  whenUnavailable: 'refuse',
  // this test measures GCRA's accuracy, not Redis's latency: on a loaded CI machine a decision
  // took over the default 250 ms, every call was refused and the limiter stopped asking Redis
  timeout: 5_000,
});
// Redis decides each call between the moment it was asked and the moment it answered: the
// first and last admissions are known within those two times
const counts = {
  admitted: 0,
  refused: 0,
  errors: [],
  firstAsked: Number.POSITIVE_INFINITY,
  firstAnswered: Number.POSITIVE_INFINITY,
  lastAsked: 0,
  lastAnswered: 0,
};
// wall time with sub-millisecond precision (all processes and Redis share this machine's clock)
const wall = () => performance.timeOrigin + performance.now();
await new Promise((r) => client.once('ready', r));
process.send({ ready: true });
const start = await new Promise((r) => process.once('message', (m) => r(m.start)));
await new Promise((r) => setTimeout(r, Math.max(0, start - Date.now())));
const until = start + Number(duration);
const caller = async () => {
  while (Date.now() < until) {
    const asked = wall();
    try {
      await limiter.acquire({ key: 'hot' });
      const answered = wall();
      counts.admitted++;
      counts.firstAsked = Math.min(counts.firstAsked, asked);
      counts.firstAnswered = Math.min(counts.firstAnswered, answered);
      counts.lastAsked = Math.max(counts.lastAsked, asked);
      counts.lastAnswered = Math.max(counts.lastAnswered, answered);
    } catch (error) {
      if (RateLimitedError.isInstance(error)) counts.refused++;
      else counts.errors.push(String(error?.message ?? error));
      // ask again at once, or after a millisecond when refused (a refused caller that spins
      // only burns the CPU the other processes and Redis need)
      if (RateLimitedError.isInstance(error)) await new Promise((r) => setTimeout(r, 1));
    }
  }
};
await Promise.all(Array.from({ length: Number(loops) }, caller));
// sent before anything else may end the process: the callback runs once the report is written
await new Promise((r) => process.send(counts, r));
await client.quit();
process.disconnect();
