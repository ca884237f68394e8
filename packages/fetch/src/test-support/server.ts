import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';

/** One scripted answer of the fault server. */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A hit the server saw: method, headers and the whole request body. */
export interface Hit {
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * A real `node:http` server on 127.0.0.1 that answers each path from a script: the n-th request
 * to a path gets the n-th handler (the last one repeats). Timers it starts die with the socket.
 */
export async function faultServer() {
  const scripts = new Map<string, Handler[]>();
  const hits = new Map<string, Hit[]>();
  const waiters: { path: string; count: number; resolve: () => void }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      const list = hits.get(path) ?? [];
      list.push({
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      hits.set(path, list);
      const script = scripts.get(path) ?? [ok('ok')];
      const handler = script[Math.min(list.length, script.length) - 1] as Handler;
      handler(req, res, Buffer.concat(chunks));
      for (const w of waiters.filter((w) => w.path === path && list.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    origin: `http://127.0.0.1:${port}`,
    script(path: string, ...handlers: Handler[]) {
      scripts.set(path, handlers);
    },
    hits: (path: string) => hits.get(path) ?? [],
    /** Resolves once `path` has seen `count` requests. */
    seen(path: string, count: number): Promise<void> {
      if ((hits.get(path)?.length ?? 0) >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ path, count, resolve }));
    },
    later,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A plain TCP server that reads request lines as they come, for what `node:http` refuses: its
 * parser knows upper-case methods only (`patch` gets a 400 before any handler). The n-th request
 * to a path gets the n-th of `statuses` (the last one repeats), without a body, then the
 * connection is closed.
 */
export async function rawServer(...statuses: number[]) {
  const methods = new Map<string, string[]>();
  const server = createTcpServer((socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const [method = '', target = '/'] = head.split(' ');
      const list = methods.get(target) ?? [];
      list.push(method);
      methods.set(target, list);
      const code = statuses[Math.min(list.length, statuses.length) - 1] ?? 200;
      socket.end(`HTTP/1.1 ${code} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    /** The methods of the requests to `path`, byte for byte as received. */
    methods: (path: string) => methods.get(path) ?? [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** 200 (or `status`) with a text body and optional headers. */
export const ok =
  (body: string, status = 200, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  };

/** A bare status, with headers (`Retry-After`, ...). */
export const status = (code: number, headers: Record<string, string> = {}): Handler =>
  ok(`status ${code}`, code, headers);

/** Destroys the connection without an answer: the client sees a reset. */
export const reset: Handler = (req) => {
  req.socket.destroy();
};

/** Never answers (until the server closes). */
export const hang: Handler = () => undefined;
