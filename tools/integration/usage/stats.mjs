import { Histogram, percentile } from '@dyno/stats';

/** Uses @dyno/stats: a histogram and a percentile. */
export async function use() {
  const h = new Histogram();
  for (let i = 0; i < 1000; i++) h.record(i);
  if (Math.abs(h.percentile(50) - percentile(50, [...Array(1000).keys()])) > 5) {
    throw new Error('histogram disagrees with percentile');
  }
}
