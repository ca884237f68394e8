import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a request got back. */
export interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
  readonly contentType?: string | undefined;
}

/** What a test calls a server on 127.0.0.1 with. */
export interface Client {
  get(path: string, method?: string): Promise<Answer>;
  /** Starts a request and returns its client side (to abort it). */
  open(path: string): http.ClientRequest;
  /** What the client made of the answer: a complete one, or one cut before or after its headers. */
  received(path: string): Promise<Received>;
}

/** An answer as the client saw it; status 0 and no body when cut before its headers. */
export interface Received {
  readonly status: number;
  readonly body: string;
  readonly complete: boolean;
}

/** A server on 127.0.0.1 (a free port) and a way to call it; `close` ends every connection. */
export async function serve(
  listener: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<Client & { port: number; close(): Promise<void> }> {
  const server = http.createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    ...client(port),
    port,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A client of the server listening on 127.0.0.1:`port` (no keep-alive). */
export function client(port: number): Client {
  const options = (path: string, method = 'GET') => ({
    host: '127.0.0.1',
    port,
    path,
    method,
    agent: false as const,
  });
  const open = (path: string): http.ClientRequest => {
    const request = http.request(options(path));
    request.on('error', () => undefined);
    request.end();
    return request;
  };
  return {
    get: (path, method) =>
      new Promise<Answer>((resolve, reject) => {
        const request = http.request(options(path, method), (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfter: response.headers['retry-after'] as string | undefined,
              body,
              contentType: response.headers['content-type'],
            }),
          );
        });
        request.on('error', reject);
        request.end();
      }),
    open,
    received: (path) =>
      new Promise<Received>((resolve) => {
        const request = open(path);
        request.on('error', () => resolve({ status: 0, body: '', complete: false }));
        request.on('response', (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('error', () => undefined);
          response.on('close', () =>
            resolve({ status: response.statusCode ?? 0, body, complete: response.complete }),
          );
        });
      }),
  };
}
