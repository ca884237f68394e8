// One process of the five-process fleet test: a CircuitBreaker guarding a stand-in dependency,
// shared through a FleetCircuit on Redis. The parent drives it over IPC; answers are { id, ... }.
// `code` is the directory of the transpiled packages (see transpile.ts).
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

const [code, url, prefix, id] = process.argv.slice(2);
const from = (path) => import(pathToFileURL(`${code}/${path}`).href);
const { CircuitBreaker } = await from('breaker/index.js');
const { FleetCircuit } = await from('breaker-redis/index.js');

const unhandled = [];
process.on('unhandledRejection', (reason) => unhandled.push(String(reason)));
const client = new Redis(url, { retryStrategy: () => 100, maxRetriesPerRequest: 0 });
client.on('error', () => {});
const breaker = new CircuitBreaker({
  name: 'dependency',
  strategy: { kind: 'consecutive-failures', failures: 3 },
  openDuration: 60_000,
});
const fleet = new FleetCircuit({ breaker, client, prefix, id, heartbeat: 200, timeout: 200 });

// Calls through the breaker for `ms`: every one must settle (a value or an error).
async function calls(ms) {
  const until = Date.now() + ms;
  let started = 0;
  let settled = 0;
  while (Date.now() < until) {
    started++;
    await breaker
      .execute(() => new Promise((r) => setTimeout(() => r(1), 2)))
      .then(
        () => settled++,
        () => settled++,
      );
    await new Promise((r) => setTimeout(r, 5));
  }
  return { started, settled };
}

process.on('message', async (m) => {
  const reply = (data) => process.send({ id: m.id, ...data });
  if (m.cmd === 'state') reply({ state: breaker.state, view: fleet.view });
  else if (m.cmd === 'fail') {
    for (let i = 0; i < 3; i++) {
      await breaker.execute(() => Promise.reject(new Error('sick'))).catch(() => {});
    }
    reply({ state: breaker.state });
  } else if (m.cmd === 'close') {
    breaker.close();
    reply({ state: breaker.state });
  } else if (m.cmd === 'calls') reply(await calls(m.ms));
  else if (m.cmd === 'exit') {
    fleet.dispose();
    // dispose() sent the leave script: disconnect once it ran (this member is gone from Redis)
    const members = `${prefix}dependency:members`;
    for (let i = 0; i < 500 && (await client.zscore(members, id)) !== null; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    client.disconnect();
    reply({ unhandled });
    process.disconnect();
  }
});

await new Promise((resolve) => {
  if (fleet.view.connected) resolve();
  else fleet.onView((view) => view.connected && resolve());
});
process.send({ ready: true });
