// Child process entry: `node src/exit-check.mjs <adapter> [capability]` uses every capability of
// one library (or just the one named) once, prints `@@DONE <epoch ms> <capabilities>` and then simply returns, leaving whatever the
// library left behind. The parent measures whether, and how soon, the process exits by itself.
// `bare` uses nothing (the reference for process teardown time).
const [lib, only] = process.argv.slice(2);
const wanted = (cap) => only === undefined || only === cap;
const used = [];
if (lib !== 'bare') {
  const { loadAdapter } = await import('./adapters/index.mjs');
  const { caps } = await loadAdapter(lib);
  const fn = async () => 42;
  const failing = async () => {
    throw new Error('bench: down');
  };
  const loader = async (key) => `value:${key}`;
  const args = { retry: [], breaker: [], bulkhead: [10, 100], timeout: [1000], composed: [] };
  for (const [cap, rest] of Object.entries(args)) {
    if (typeof caps[cap] !== 'function' || !wanted(cap)) continue;
    await caps[cap](fn, ...rest)();
    used.push(cap);
  }
  if (typeof caps.breakerOpen === 'function' && wanted('breakerOpen')) {
    const call = await caps.breakerOpen(failing);
    await call().catch(() => {});
    used.push('breakerOpen');
  }
  if (typeof caps.cache === 'function' && wanted('cache')) {
    for (const v of await caps.cache(loader)) await v.call();
    used.push('cache');
  }
  if (Array.isArray(caps.histogram) && wanted('histogram')) {
    for (const v of caps.histogram) if (v.make) v.make()(1);
    used.push('histogram');
  }
}
process.stdout.write(`@@DONE ${Date.now()} ${used.join(',')}\n`);
