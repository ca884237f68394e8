import {
  createServer,
  get,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts a server on 127.0.0.1 on a free port. */
export async function listen(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

/** Closes a server and every connection it holds. */
export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Opens a streaming GET and gives a way to wait for the body to satisfy a condition. */
export async function open(url: string): Promise<{
  response: IncomingMessage;
  body: () => string;
  until: (done: (body: string) => boolean) => Promise<string>;
}> {
  const response = await new Promise<IncomingMessage>((resolve, reject) =>
    get(url, resolve).on('error', reject),
  );
  response.setEncoding('utf8');
  let body = '';
  const waiters = new Set<() => void>();
  response.on('data', (chunk: string) => {
    body += chunk;
    for (const waiter of [...waiters]) waiter();
  });
  const until = (done: (body: string) => boolean): Promise<string> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!done(body)) return;
        waiters.delete(check);
        resolve(body);
      };
      waiters.add(check);
      check();
    });
  return { response, body: () => body, until };
}

/** Fetches a URL's whole body and headers. */
export async function fetchText(
  url: string,
): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: await response.text(),
  };
}
