import { PerfTimer } from '@dyno/timing';

/** Uses @dyno/timing: a small timer tree and its three output forms. */
export async function use() {
  const request = new PerfTimer('request', { cpu: true }).start();
  const db = request.time('db');
  db.mark('connected');
  db.stop();
  request.stop();
  const header = request.serverTiming();
  if (!header.startsWith('request;dur=')) throw new Error(`bad Server-Timing: ${header}`);
  if (request.timeline().split('\n').length !== 5) throw new Error('bad timeline');
  JSON.stringify(request);
}
