import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, type TestRedis, transpile, uniquePrefix, waitFor } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { heartbeats } from './test-support/heartbeats.js';

// Five real `node` processes, each with its own CircuitBreaker and FleetCircuit (heartbeat
// 200 ms, so members are gone after 600 ms), on a redis-server of this file's own: it is killed
// and restarted mid-test, which CI's shared server must never be.
const SIZE = 5;

interface Answer {
  readonly id: number;
  readonly state?: string;
  readonly view?: { live: number; open: number; connected: boolean };
  readonly started?: number;
  readonly settled?: number;
  readonly unhandled?: string[];
}

let server: TestRedis;
let code: string;
const prefix = uniquePrefix('processes');
const members: ChildProcess[] = [];
const latest: (Answer | undefined)[] = [];
let asks = 0;

function ask(i: number, cmd: string, extra: object = {}): Promise<Answer> {
  const child = members[i] as ChildProcess;
  const id = ++asks;
  return new Promise((resolve) => {
    const on = (m: Answer) => {
      if (m.id !== id) return;
      child.off('message', on);
      latest[i] = m;
      resolve(m);
    };
    child.on('message', on);
    child.send({ id, cmd, ...extra });
  });
}

const states = () => Promise.all(members.map((_, i) => ask(i, 'state')));
const everyone = (check: (a: Answer[]) => boolean, what: string, within?: number) =>
  waitFor(async () => check(await states()), what, { within });

beforeAll(async () => {
  server = await startRedis();
  code = transpile(['core', 'breaker', 'breaker-redis']);
  const ready: Promise<unknown>[] = [];
  for (let i = 0; i < SIZE; i++) {
    const child = fork(
      join(__dirname, 'test-support', 'member.mjs'),
      [code, server.url, prefix, `member-${i}`],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    members.push(child);
    ready.push(new Promise((r) => child.once('message', r)));
  }
  await Promise.all(ready);
  await everyone((a) => a.every((m) => m.view?.live === SIZE), 'every member sees the fleet');
}, 30_000);

afterAll(async () => {
  await Promise.all(
    members.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((r) => {
            child.once('exit', r);
            child.kill();
          }),
    ),
  );
  await server.stop();
  if (code !== undefined) rmSync(code, { recursive: true, force: true });
});

describe('FleetCircuit across five processes', () => {
  it('lets one sick process open alone; the others stay closed', async () => {
    await ask(0, 'fail');
    await everyone((a) => a.every((m) => m.view?.open === 1), 'everyone hears of it');
    // two heartbeats of everyone later (their expiries in Redis moved on twice)
    const watcher = new Redis(server.url);
    const ids = members.map((_, i) => `member-${i}`);
    await heartbeats(watcher, `${prefix}dependency:members`, ids, 2).finally(() => watcher.quit());
    const answers = await states();
    expect(answers.map((a) => a.state)).toEqual(['open', 'closed', 'closed', 'closed', 'closed']);
    await ask(0, 'close');
  });

  it('isolates the other two within a second when three of five open', async () => {
    await everyone((a) => a.every((m) => m.view?.open === 0), 'the sick one recovered');
    await Promise.all([0, 1, 2].map((i) => ask(i, 'fail')));
    const took = await everyone(
      (a) => a[3]?.state === 'isolated' && a[4]?.state === 'isolated',
      'members 3 and 4 isolate',
    );
    expect(took).toBeLessThan(1000);
  });

  it('keeps every call settling while Redis is down, works alone, and converges when it returns', async () => {
    await server.stop();
    const during = Promise.all(members.map((_, i) => ask(i, 'calls', { ms: 1500 })));
    // out of reach for memberTtl (600 ms): the isolated two work alone again
    await everyone(
      (a) => a[3]?.state === 'closed' && a[4]?.state === 'closed',
      'the isolated two work alone',
    );
    const outcomes = await during;
    for (const o of outcomes) expect(o.settled).toBe(o.started);
    expect((await states()).map((a) => a.state)).toEqual([
      'open',
      'open',
      'open',
      'closed',
      'closed',
    ]);

    await server.restart();
    await everyone(
      (a) => a[3]?.state === 'isolated' && a[4]?.state === 'isolated',
      'the fleet converges: the quorum isolates the two again',
      10_000,
    );
    await Promise.all([0, 1, 2].map((i) => ask(i, 'close')));
    await everyone((a) => a.every((m) => m.state === 'closed'), 'everyone closed', 2000);
    const exits = await Promise.all(members.map((_, i) => ask(i, 'exit')));
    for (const e of exits) expect(e.unhandled).toEqual([]);
  }, 30_000);
});
