// Where the time of a `resilientFetch` call goes (issue 20): `node --cpu-prof
// --cpu-prof-dir=<dir> src/profile-fetch.mjs [dyno|lean|raw] [requests]`, then
// `node src/profile-summary.mjs <dir>/*.cpuprofile`. The server runs in a child process, so
// the profile holds only the client's work. Not part of `pnpm bench`.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { resilientFetch } from '@dyno/fetch';

if (process.argv[2] === 'serve') {
  const server = createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => process.exit(0));
} else {
  const which = process.argv[2] ?? 'dyno';
  const count = Number(process.argv[3] ?? 20_000);
  const child = fork(new URL(import.meta.url).pathname, ['serve'], { execArgv: [] });
  const [port] = await once(child, 'message');
  const url = `http://127.0.0.1:${port}/`;
  // `lean`: every part switched off, to see what the call path costs on its own
  const lean = {
    retry: false,
    breaker: false,
    metrics: false,
    timeout: false,
    attemptTimeout: false,
  };
  const client = which === 'raw' ? fetch : resilientFetch(which === 'lean' ? lean : undefined);
  for (let i = 0; i < 2000; i++) await (await client(url)).text(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await (await client(url)).text();
  const ms = performance.now() - t0;
  process.stdout.write(`${which}: ${Math.round((count * 1000) / ms)} requests/s\n`);
  if (which !== 'raw') client.dispose();
  child.disconnect();
}
