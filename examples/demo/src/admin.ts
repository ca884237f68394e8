import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The admin server: the Hystrix stream, Prometheus text and the dashboard page. */
export interface Admin {
  readonly url: string;
  close(): Promise<void>;
}

// A variable, not a literal: the dashboard is optional, and a missing or unbuilt package must
// not stop the demo from compiling or running.
const DASHBOARD = '@dyno/dashboard';

/** The dashboard's handler, or a plain text page when the package is not built. */
export async function loadDashboard(streamUrl: string): Promise<Handler> {
  try {
    const mod = (await import(DASHBOARD)) as { dashboard?: unknown };
    if (typeof mod.dashboard === 'function') {
      const handler = mod.dashboard({ streamUrl }) as unknown;
      if (typeof handler === 'function') return handler as Handler;
    }
  } catch {
    // falls through to the placeholder
  }
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`dashboard not built: build @dyno/dashboard, or read ${streamUrl} directly\n`);
  };
}

/** Starts the admin server on 127.0.0.1 on a free port. */
export async function startAdmin(routes: Record<string, Handler>): Promise<Admin> {
  const dashboard = await loadDashboard('/hystrix.stream');
  const table: Record<string, Handler> = { ...routes, '/dashboard': dashboard };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const handler = table[path];
    if (handler !== undefined) return handler(req, res);
    res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${Object.keys(table).join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
