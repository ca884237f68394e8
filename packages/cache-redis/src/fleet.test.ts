import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, type TestRedis, transpile, uniquePrefix, waitFor } from '@dyno-tools/testing';

// Three real `node` processes, each with a Cache on a TieredStore over one Redis of this file's
// own (it is killed mid-test). The children run the sources under test, transpiled once.
interface Reply {
  readonly id?: number;
  readonly [field: string]: unknown;
}

let server: TestRedis;
let code: string;
const children: ChildProcess[] = [];
const bus: { child: number; bus: string; key: string; at: number }[] = [];
let next = 0;

function ask(child: number, message: Record<string, unknown>): Promise<Reply> {
  const id = ++next;
  const process = children[child]!;
  return new Promise((resolve) => {
    const listener = (m: Reply) => {
      if (m.id !== id) return;
      process.off('message', listener);
      resolve(m);
    };
    process.on('message', listener);
    process.send({ ...message, id });
  });
}

/** Resolves when every child in `who` has heard a bus message of `type` on `key`. */
const heard = (who: number[], type: string, key: string, since: number) =>
  waitFor(
    () =>
      who.every((c) =>
        bus.some((b) => b.child === c && b.bus === type && b.key === key && b.at >= since),
      ),
    `every process heard ${type} ${key}`,
  );

beforeAll(async () => {
  server = await startRedis();
  code = transpile(['core', 'breaker', 'cache', 'cache-redis']);
  const prefix = uniquePrefix('fleet');
  const ready: Promise<unknown>[] = [];
  for (let i = 0; i < 3; i++) {
    const child = fork(
      join(__dirname, 'test-support', 'fleet-child.mjs'),
      [code, server.url, prefix, `p${i}`],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    children.push(child);
    child.on('message', (m: Reply) => {
      if (typeof m.bus === 'string')
        bus.push({ child: i, bus: m.bus, key: m.key as string, at: m.at as number });
    });
    ready.push(new Promise((r) => child.once('message', r)));
  }
  await Promise.all(ready);
}, 30_000);

afterAll(async () => {
  // the children exit by themselves after `exit` (nothing of theirs outlives dispose); a child
  // still running after a failed test is killed
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
          }, 3000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  await server.stop();
  if (code !== undefined) rmSync(code, { recursive: true, force: true });
});

describe('three processes with two-tier caches on one Redis', () => {
  it('one writes, the others see the new value on their next get', async () => {
    await ask(0, { cmd: 'set', key: 'k', value: 'v1' });
    await expect(ask(1, { cmd: 'get', key: 'k' })).resolves.toMatchObject({ value: 'v1' });
    await expect(ask(2, { cmd: 'get', key: 'k' })).resolves.toMatchObject({ value: 'v1' });
    // now in their memory tiers; a write elsewhere evicts it there within milliseconds
    const since = Date.now();
    await ask(0, { cmd: 'set', key: 'k', value: 'v2' });
    await heard([1, 2], 'set', 'k', since);
    const latency = Math.max(
      ...bus.filter((b) => b.key === 'k' && b.at >= since).map((b) => b.at - since),
    );
    expect(latency).toBeLessThan(1000); // without the bus: not before the memory TTL (60 s)
    await expect(ask(1, { cmd: 'get', key: 'k' })).resolves.toMatchObject({ value: 'v2' });
    await expect(ask(2, { cmd: 'get', key: 'k' })).resolves.toMatchObject({ value: 'v2' });

    const deleted = Date.now();
    await ask(2, { cmd: 'delete', key: 'k' });
    await heard([0, 1], 'delete', 'k', deleted);
    await expect(ask(0, { cmd: 'get', key: 'k' })).resolves.toMatchObject({
      value: 'k loaded by p0',
    });
    await expect(ask(1, { cmd: 'get', key: 'k' })).resolves.toMatchObject({
      value: 'k loaded by p0',
    });
  }, 15_000);

  it("regression: a load that began before another process's write does not write over it", async () => {
    for (const [write, expected] of [
      [{ cmd: 'set', key: 'race', value: 'written by p1' }, 'written by p1'],
      [{ cmd: 'delete', key: 'race' }, 'race loaded by p2'],
    ] as const) {
      await ask(0, { cmd: 'slow', key: 'race' });
      const since = Date.now();
      await ask(1, write);
      await heard([0], write.cmd, 'race', since);
      // p0's load lands after p1's write: it answers p0's caller, and writes nothing
      await expect(ask(0, { cmd: 'land', value: 'stale, loaded by p0' })).resolves.toMatchObject({
        value: 'stale, loaded by p0',
      });
      await expect(ask(2, { cmd: 'get', key: 'race' })).resolves.toMatchObject({
        value: expected,
      });
      await ask(2, { cmd: 'delete', key: 'race' });
      await heard([0, 1], 'delete', 'race', since);
    }
  }, 15_000);

  it('loses no caller and leaves no unhandled rejection when Redis is killed mid-load', async () => {
    const going = [0, 1, 2].map(
      (c) =>
        new Promise<void>((resolve) => {
          const listener = (m: Reply) => {
            if (m.storming !== true) return;
            children[c]!.off('message', listener);
            resolve();
          };
          children[c]!.on('message', listener);
        }),
    );
    const storms = [0, 1, 2].map((c) => ask(c, { cmd: 'storm', ms: 800 }));
    await Promise.all(going); // every process has calls under way on a live Redis
    await server.stop();
    const outcomes = (await Promise.all(storms)) as unknown as {
      values: number;
      errors: string[];
      started: number;
    }[];
    for (const o of outcomes) {
      expect(o.started).toBeGreaterThan(0);
      // every call got a value (memory tier or loader) or a clear Dyno error
      expect(o.values + o.errors.length).toBe(o.started);
      for (const e of o.errors) expect(e).toMatch(/^DYNO_/);
    }
    expect(outcomes.reduce((n, o) => n + o.values, 0)).toBeGreaterThan(0);
    const exits = await Promise.all([0, 1, 2].map((c) => ask(c, { cmd: 'exit' })));
    for (const e of exits) expect(e.unhandled).toEqual([]);
  }, 15_000);
});
