// Four processes on one Redis: one rate limit for the fleet, and circuit knowledge by quorum.
// Uses DYNO_REDIS_URL when set, otherwise starts a throwaway redis-server on a free port.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const WORKERS = 4;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => resolve(socket.destroy() !== undefined));
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });

async function redis(): Promise<{ url: string; stop: () => void }> {
  const given = process.env.DYNO_REDIS_URL;
  if (given) return { url: given, stop: () => {} };
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  while (!(await canConnect(port))) await new Promise((r) => setTimeout(r, 25));
  return { url: `redis://127.0.0.1:${port}`, stop: () => server.kill() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ask<T>(worker: ChildProcess, cmd: string, extra: object = {}): Promise<T> {
  return new Promise((resolve) => {
    worker.once('message', (m) => resolve(m as T));
    worker.send({ cmd, ...extra });
  });
}

const server = await redis();
const prefix = `dyno-example:${process.pid}:`;
const script = fileURLToPath(new URL('./worker.js', import.meta.url));
const workers = Array.from({ length: WORKERS }, (_, i) =>
  fork(script, [server.url, prefix, `worker-${i}`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  }),
);
await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));

console.log('1. one rate limit for the fleet: 50 per second, burst 10, key "checkout"');
const counts = await Promise.all(
  workers.map((w) => ask<{ admitted: number }>(w, 'hammer', { ms: 1000 })),
);
const total = counts.reduce((sum, c) => sum + c.admitted, 0);
console.log(`   admitted per process: ${counts.map((c) => c.admitted).join(', ')}`);
console.log(`   admitted in all: ${total} (one second at 50/s + a burst of 10 = 60)`);

const states = async () =>
  (await Promise.all(workers.map((w) => ask<{ state: string }>(w, 'state')))).map((s) => s.state);

/** The states once `done` holds for them, or as they are after 3 s (news travels through Redis). */
const statesOnce = async (done: (s: string[]) => boolean) => {
  for (let waited = 0; ; waited += 100) {
    const now = await states();
    if (done(now) || waited >= 3000) return now;
    await sleep(100);
  }
};

console.log('2. one sick process opens alone');
await ask(workers[0] as ChildProcess, 'fail');
await sleep(500);
console.log(`   states: ${(await states()).join(', ')}`);
await ask(workers[0] as ChildProcess, 'recover');

// two of four already make a quorum, so a third process failing a moment later may find itself
// isolated first: two, for a story that reads the same every run
console.log('3. two of four open: a quorum (at least 2 and at least half); the other two isolate');
await sleep(300);
await Promise.all(workers.slice(0, 2).map((w) => ask(w, 'fail')));
console.log(`   states: ${(await statesOnce((s) => !s.includes('closed'))).join(', ')}`);

console.log('4. the two recover: the others let go');
await Promise.all(workers.slice(0, 2).map((w) => ask(w, 'recover')));
console.log(`   states: ${(await statesOnce((s) => s.every((x) => x === 'closed'))).join(', ')}`);

await Promise.all(
  workers.map((w) => new Promise((r) => w.once('exit', r) && w.send({ cmd: 'exit' }))),
);
server.stop();
