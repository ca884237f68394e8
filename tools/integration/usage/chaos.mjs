import { Chaos } from '@dyno/chaos';

/** Uses @dyno/chaos: a seeded mix of faults with short latency, and a hang ended by an abort. */
export async function use() {
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const chaos = new Chaos({ random, error: { rate: 0.3 }, latency: { rate: 0.2, ms: 1 } });
  for (let i = 0; i < 20; i++) await chaos.execute(() => i).catch(() => {});
  if (chaos.counts.calls !== 20) throw new Error('wrong count');
  const hang = new Chaos({ hang: { rate: 1 } });
  const controller = new AbortController();
  const pending = hang.execute(() => 0, { signal: controller.signal });
  controller.abort(new Error('enough'));
  await pending.catch(() => {});
}
