// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time,
// and the most inclusive time of the functions in files matching an optional pattern.
// `node src/profile-summary.mjs <file.cpuprofile> [pattern] [top]` (idle time left out), or
// `node src/profile-summary.mjs <a.cpuprofile> --diff <top> <b.cpuprofile>`: self time per
// function in a minus b (runs of the same number of requests), most first.
import { readFileSync } from 'node:fs';

const [file, pattern, topArg, other] = process.argv.slice(2);
const top = Number(topArg ?? 25);

const where = (n) => {
  const f = n.callFrame;
  const url = f.url.replace(/^.*\/(node_modules|packages)\//, '').replace(/^file:\/\//, '');
  return `${f.functionName || '(anonymous)'} ${url || '(native)'}:${f.lineNumber + 1}`;
};

function read(path) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map(); // node id -> µs
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const selfBy = new Map();
  for (const [id, us] of self) {
    const k = where(nodes.get(id));
    selfBy.set(k, (selfBy.get(k) ?? 0) + us);
  }
  selfBy.delete('(idle) (native):0');
  const total = [...selfBy.values()].reduce((a, b) => a + b, 0);
  return { nodes, parent, self, selfBy, total };
}

if (pattern === '--diff') {
  const a = read(file);
  const b = read(other);
  const rows = new Map();
  for (const [k, us] of a.selfBy) rows.set(k, us - (b.selfBy.get(k) ?? 0));
  for (const [k, us] of b.selfBy) if (!a.selfBy.has(k)) rows.set(k, -us);
  const d = a.total - b.total;
  const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
  process.stdout.write(
    `busy (not idle): ${ms(a.total)} against ${ms(b.total)}: ${ms(d)} more\n\n` +
      'self time, first minus second (share of the difference):\n',
  );
  for (const [k, us] of [...rows].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    process.stdout.write(`${ms(us)} ${((100 * us) / d).toFixed(1).padStart(6)} %  ${k}\n`);
  }
  process.exit(0);
}

const { nodes, parent, self, selfBy, total } = read(file);
const n = Number(process.env.PROFILE_REQUESTS ?? 0); // given: µs per request beside each share
const pct = (us) =>
  `${((100 * us) / total).toFixed(1).padStart(5)} %${n ? `${(us / n).toFixed(1).padStart(7)} µs` : ''}`;
process.stdout.write(`busy (not idle) ${(total / 1000).toFixed(0)} ms\n\nself time:\n`);
for (const [k, us] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${pct(us)}  ${k}\n`);
}
if (pattern) {
  // where Dyno's time goes: each sample goes to the innermost frame that is either in a file
  // matching the pattern or the platform's `fetch` itself (then it is fetch's own work)
  const own = new Map();
  let outside = 0;
  for (const [id, us] of self) {
    let k;
    for (let n = id; n !== undefined && k === undefined; n = parent.get(n)) {
      const f = nodes.get(n).callFrame;
      if (f.functionName === 'fetch' && f.url.includes('undici')) k = 'inside the platform fetch()';
      else if (f.url.includes(pattern)) k = where(nodes.get(n));
    }
    if (k === undefined) outside += us;
    else own.set(k, (own.get(k) ?? 0) + us);
  }
  own.delete('(idle) (native):0');
  process.stdout.write(
    `\nbusy time by innermost frame matching "${pattern}" (or the platform fetch), callees included:\n`,
  );
  for (const [k, us] of [...own].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${pct(us)}  ${k}\n`);
  }
  const idle = [...self].filter(([id]) => where(nodes.get(id)) === '(idle) (native):0');
  const idleUs = idle.reduce((a, [, us]) => a + us, 0);
  process.stdout.write(
    `${pct(outside - idleUs)}  (neither: event loop, sockets, GC, microtasks)\n`,
  );
  // inclusive time: each sample counts once for every distinct matching frame on its stack
  const incl = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const node = nodes.get(n);
      if (!node.callFrame.url.includes(pattern)) continue;
      const k = where(node);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  process.stdout.write(`\ninclusive time, frames in files matching "${pattern}":\n`);
  for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${pct(us)}  ${k}\n`);
  }
}
