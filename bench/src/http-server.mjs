// The loopback server of the HTTP scenarios, in a process of its own (as a real server is), so
// the client's event loop and the profile of a run hold the client's work only. Started by
// `startServer()` (http.mjs) with `fork`; `{ tail: { p, slowMs, fastMs, seed } }` makes a
// seeded share `p` of requests answer after `slowMs`, the others after `fastMs` (0: at once).
import { createServer } from 'node:http';
import { seededRandom } from '@dyno/core/testing';

const config = JSON.parse(process.argv[2] ?? '{}');
const random = config.tail ? seededRandom(config.tail.seed) : undefined;
const delay = () =>
  random === undefined ? 0 : random() < config.tail.p ? config.tail.slowMs : config.tail.fastMs;

let requests = 0;
const server = createServer((_req, res) => {
  requests++;
  const ms = delay();
  if (ms <= 0) {
    res.end('ok');
    return;
  }
  const t = setTimeout(() => res.end('ok'), ms);
  res.on('close', () => clearTimeout(t));
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send({ requests });
});
// the parent went away (or closed the channel): stop at once
process.on('disconnect', () => process.exit(0));
