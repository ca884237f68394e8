import { createServer } from 'node:http';
import { HttpError, readDeadline, resilientFetch, runWithDeadline } from '@dyno/fetch';

/** Uses @dyno/fetch against a local server: a retried 503, an HttpError, and a body left unread. */
export async function use() {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    res.setHeader('connection', 'close'); // no keep-alive sockets left to wind down at exit
    if (req.url === '/flaky' && hits === 1) {
      res.writeHead(503, { 'retry-after': '0' }).end('busy');
      return;
    }
    if (req.url === '/missing') {
      res.writeHead(404).end('no');
      return;
    }
    res.end(`deadline ${readDeadline(req) ?? 'none'}`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const client = resilientFetch({ deadlineHeader: 'x-deadline-ms', throwHttpErrors: true });
    const text = await runWithDeadline(5_000, async () => (await client(`${base}/flaky`)).text());
    if (!text.startsWith('deadline ')) throw new Error(`unexpected body: ${text}`);
    const error = await client(`${base}/missing`).catch((e) => e);
    if (!HttpError.isInstance(error) || error.status !== 404)
      throw new Error('expected an HttpError');
    // a body nobody reads must not keep the process alive until the 30 s deadline
    await client(`${base}/unread`);
    client.dispose();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
