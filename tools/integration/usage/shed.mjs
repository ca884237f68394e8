import { once } from 'node:events';
import http from 'node:http';
import { Shedder } from '@dyno/shed';

/** Uses @dyno/shed over loopback: one request admitted, one shed at a full limit, then closed. */
export async function use() {
  const shedder = new Shedder({ concurrency: { algorithm: 'gradient', initial: 1, max: 1 } });
  let release;
  const server = http.createServer(
    shedder.handle((request, response) => {
      if (request.url === '/slow') release = () => response.end('ok');
      else response.end('ok');
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  const get = (path) =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
          response.resume();
          response.on('end', () => resolve(response));
        })
        .on('error', reject);
    });
  const slow = get('/slow');
  while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
  const shed = await get('/other');
  if (shed.statusCode !== 503 || shed.headers['retry-after'] !== '1') {
    throw new Error(`expected 503 with Retry-After, got ${shed.statusCode}`);
  }
  release();
  if ((await slow).statusCode !== 200) throw new Error('admitted request failed');
  if (shedder.admitted !== 1 || shedder.shed !== 1) throw new Error('not counted');
  shedder.close();
  server.close();
  await once(server, 'close');
}
