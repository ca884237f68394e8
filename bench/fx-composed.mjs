import { service } from '@dyno/service';
const fn = async () => 1;
const wrapped = service(fn, { name: 'bench', retry: { attempts: 3 }, breaker: { strategy: { kind: 'time-window' } }, pool: { concurrency: 10, queue: 100 }, timeout: 1000 });
const bare = () => fn();
const N = Number(process.argv[2] ?? 300000);
async function loop(f, n) { for (let i = 0; i < n; i++) await f(); }
for (let r = 0; r < 7; r++) {
  let t0 = performance.now(); await loop(bare, N); const b = performance.now() - t0;
  t0 = performance.now(); await loop(wrapped, N); const w = performance.now() - t0;
  console.log(`bare ${(b * 1e6 / N).toFixed(0)} ns, service ${(w * 1e6 / N).toFixed(0)} ns, ratio ${(w / b).toFixed(1)}`);
}
