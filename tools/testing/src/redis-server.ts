// Starts a throwaway redis-server for a test file, or uses the one CI gives in DYNO_REDIS_URL.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** True when this file started the server itself (and so may stop and restart it). */
  readonly owned: boolean;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const BINARY = process.env.DYNO_REDIS_SERVER ?? 'redis-server';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server: timed out waiting until ${what}`);
}

/** A redis-server of this test file's own on a free port, without persistence. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = [
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--bind',
      '127.0.0.1',
    ];
    child = spawn(BINARY, args, { stdio: 'ignore' });
    await waitUntil(() => canConnect(port), 'it accepts connections');
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
    await waitUntil(async () => !(await canConnect(port)), 'it stops');
  };
  await launch();
  return { url: `redis://127.0.0.1:${port}`, port, owned: true, stop, restart: launch };
}

/** The server for a test file: CI's (DYNO_REDIS_URL) when set, else one of its own. */
export async function redisForTests(): Promise<TestRedis> {
  const url = process.env.DYNO_REDIS_URL;
  if (url === undefined || url === '') return startRedis();
  const port = Number(new URL(url).port || 6379);
  const refuse = () => Promise.reject(new Error('cannot stop the shared DYNO_REDIS_URL server'));
  return { url, port, owned: false, stop: async () => {}, restart: refuse };
}

/** A key prefix of this test run and file, so files sharing one server never collide. */
export function uniquePrefix(file: string): string {
  return `dyno-test:${file}:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
}
