import { service } from '@dyno/service';

/** Uses @dyno/service: a success, a fallback, a failed fallback and a timeout; nothing left running. */
export async function use() {
  const double = service(async (_context, n) => n * 2, { name: 'double' });
  if ((await double(21)) !== 42) throw new Error('service returned the wrong value');

  const down = service(() => Promise.reject(new Error('down')), {
    retry: false,
    fallback: (_error, args) => `fallback ${args.length}`,
  });
  if ((await down()) !== 'fallback 0') throw new Error('expected the fallback value');

  const fallbackDown = new Error('fallback down');
  const broken = service(() => Promise.reject(new Error('down')), {
    retry: false,
    fallback: () => {
      throw fallbackDown;
    },
  });
  const error = await broken().catch((e) => e);
  if (error !== fallbackDown) throw new Error("expected the fallback's own error");

  // a hung dependency: the timeout releases the caller and aborts the attempt's signal
  let aborted = false;
  const hung = service(
    ({ signal }) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(signal.reason);
        });
      }),
    { retry: false, timeout: 5 },
  );
  await hung().catch(() => {});
  if (!aborted) throw new Error('the timeout did not abort the attempt');
  if (double.metrics.snapshot().counts.success !== 1) throw new Error('metrics missed a success');
  for (const s of [double, down, broken, hung]) s.dispose();
}
