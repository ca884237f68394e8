import { ErrorCounts, harness } from '@dyno/harness';

/** Uses @dyno/harness: a sync and an async failure, logged to a silent logger and rethrown. */
export async function use() {
  const counts = new ErrorCounts();
  const lines = [];
  const logger = { error: (...args) => lines.push(args) };
  const boom = new Error('boom');
  const parse = harness(
    () => {
      throw boom;
    },
    { name: 'parse', logger, counts },
  );
  const load = harness(async () => Promise.reject(boom), { name: 'load', logger, counts });
  try {
    parse();
  } catch (error) {
    if (error !== boom) throw new Error('sync error replaced');
  }
  if ((await load().catch((e) => e)) !== boom) throw new Error('rejection replaced');
  if (counts.total !== 2 || lines.length !== 2) throw new Error('not counted or not logged');
}
