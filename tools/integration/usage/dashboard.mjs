import { createServer, get } from 'node:http';
import { DEFAULT_DASHBOARD_OPTIONS, dashboard } from '@dyno/dashboard';

/** Uses @dyno/dashboard: serves the page once over real HTTP on 127.0.0.1, then closes. */
export async function use() {
  const page = dashboard({ title: 'Usage check' });
  const server = createServer((req, res) => page(req, res, () => {}));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address();
    const body = await new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/dashboard', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    if (!body.includes('<h1>Usage check</h1>')) throw new Error('dashboard page lacks its title');
    if (!body.includes(`data-stream="${DEFAULT_DASHBOARD_OPTIONS.streamUrl}"`)) {
      throw new Error('dashboard page lacks its stream URL');
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
