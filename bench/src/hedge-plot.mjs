// Draws docs/hedge.svg from results/hedge.json (written by `pnpm bench` from the hedgeTail
// scenario, src/http.mjs): latency by percentile without and with hedging, on a "nines" axis
// (50 %, 90 %, 99 %, 99.9 % equally spaced). Plain SVG written by hand: no dependency.
import { readFileSync, writeFileSync } from 'node:fs';

const BENCH_DIR = new URL('..', import.meta.url).pathname;
const data = JSON.parse(readFileSync(`${BENCH_DIR}results/hedge.json`, 'utf8'));
const W = 680;
const H = 340;
const M = { left: 58, right: 160, top: 40, bottom: 48 };
const X_MAX = 3; // 99.9 %
const nines = (p) => Math.min(X_MAX, -Math.log10(Math.max(1 - p / 100, 10 ** -X_MAX)));
const top = Math.max(
  ...Object.values(data.curves).flatMap((c) => c.filter(([p]) => p <= 99.9).map(([, ms]) => ms)),
);
const step = [10, 20, 25, 50, 100, 200].find((s) => top / s <= 6) ?? 500;
const yMax = Math.ceil(top / step) * step;
const px = (p) => M.left + (nines(p) / X_MAX) * (W - M.left - M.right);
const py = (ms) => M.top + (1 - Math.min(ms, yMax) / yMax) * (H - M.top - M.bottom);

const out = [];
for (let v = 0; v <= yMax; v += step) {
  out.push(
    `<line x1="${px(0)}" x2="${px(99.9)}" y1="${py(v)}" y2="${py(v)}" class="grid"/>`,
    `<text x="${px(0) - 6}" y="${py(v) + 4}" class="tick" text-anchor="end">${Math.round(v)}</text>`,
  );
}
for (const p of [0, 50, 90, 95, 99, 99.9]) {
  out.push(
    `<line x1="${px(p)}" x2="${px(p)}" y1="${py(0)}" y2="${py(yMax)}" class="grid"/>`,
    `<text x="${px(p)}" y="${H - M.bottom + 16}" class="tick" text-anchor="middle">p${p}</text>`,
  );
}
const lines = [
  { key: 'plain', label: 'without hedging', color: '#d62728', width: 1.8 },
  { key: 'hedged', label: 'hedged (p95 delay)', color: '#1f77b4', width: 3 },
];
lines.forEach((line, i) => {
  const points = data.curves[line.key].filter(([p]) => p <= 99.9);
  const s = data[line.key];
  out.push(
    `<polyline points="${points.map(([p, ms]) => `${px(p).toFixed(1)},${py(ms).toFixed(1)}`).join(' ')}" fill="none" stroke="${line.color}" stroke-width="${line.width}"/>`,
    `<circle cx="${px(99).toFixed(1)}" cy="${py(s.p99).toFixed(1)}" r="4" fill="none" stroke="${line.color}" stroke-width="1.5"/>`,
    `<rect x="${W - M.right + 14}" y="${M.top + 10 + i * 58}" width="16" height="4" fill="${line.color}"/>`,
    `<text x="${W - M.right + 36}" y="${M.top + 16 + i * 58}" class="tick" text-anchor="start">${line.label}</text>`,
    `<text x="${W - M.right + 36}" y="${M.top + 31 + i * 58}" class="tick" text-anchor="start">p99 ${s.p99.toFixed(1)} ms</text>`,
    `<text x="${W - M.right + 36}" y="${M.top + 45 + i * 58}" class="tick" text-anchor="start">+${(s.extra * 100).toFixed(1)} % requests</text>`,
  );
});
const t = data.tail;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">
<style>.title{font-size:14px;font-weight:600;text-anchor:middle}.tick{font-size:11px;fill:#444}.axis{font-size:11px;fill:#222;text-anchor:middle}.grid{stroke:#e5e5e5}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${W / 2}" y="18" class="title">Latency by percentile, ${t.p * 100} % of requests take ${t.slowMs} ms (others ${t.fastMs} ms)</text>
<text x="${W / 2}" y="32" class="tick" text-anchor="middle">${data.rounds} rounds × ${data.requests} GETs, ${data.concurrency} at a time; lines: the rounds together; circles: median p99 of the rounds, ${data.lower.toFixed(1)}× lower hedged</text>
${out.join('\n')}
<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" class="axis">percentile (nines scale)</text>
<text x="16" y="${(M.top + H - M.bottom) / 2}" class="axis" transform="rotate(-90 16 ${(M.top + H - M.bottom) / 2})">latency (ms)</text>
</svg>
`;
writeFileSync(`${BENCH_DIR}../docs/hedge.svg`, svg);
process.stderr.write('hedge: wrote docs/hedge.svg\n');
