// Draws docs/overload.svg from results/overload.json (written by src/overload.mjs): goodput and
// p99 against offered load, one line per configuration. Plain SVG written by hand: no dependency.
import { readFileSync, writeFileSync } from 'node:fs';

const BENCH_DIR = new URL('..', import.meta.url).pathname;
const data = JSON.parse(readFileSync(`${BENCH_DIR}results/overload.json`, 'utf8'));
const COLORS = ['#d62728', '#9467bd', '#2ca02c', '#ff7f0e', '#1f77b4'];
const W = 420;
const H = 260;
const M = { left: 56, right: 24, top: 34, bottom: 44 };

/** A round grid step (1, 2, 2.5 or 5 × 10^k) giving about four lines up to `top`. */
function niceStep(top) {
  const raw = top / 4;
  const k = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * k >= raw) ?? 10) * k;
}

function panel(x0, title, yLabel, top, value, guide) {
  const step = niceStep(top);
  const yMax = Math.ceil(top / step) * step;
  const px = (load) => x0 + M.left + ((load - 0.5) / 2.5) * (W - M.left - M.right);
  const py = (v) => M.top + (1 - Math.min(v, yMax) / yMax) * (H - M.top - M.bottom);
  const out = [`<text x="${x0 + W / 2}" y="18" class="title">${title}</text>`];
  for (let v = 0; v <= yMax; v += step) {
    out.push(
      `<line x1="${px(0.5)}" x2="${px(3)}" y1="${py(v)}" y2="${py(v)}" class="grid"/>`,
      `<text x="${px(0.5) - 6}" y="${py(v) + 4}" class="tick" text-anchor="end">${Math.round(v)}</text>`,
    );
  }
  for (const load of data.loads) {
    out.push(
      `<text x="${px(load)}" y="${H - M.bottom + 16}" class="tick" text-anchor="middle">${load * 100} %</text>`,
    );
  }
  out.push(
    `<text x="${x0 + W / 2}" y="${H - 8}" class="axis">offered load (% of capacity)</text>`,
    `<text x="${x0 + 14}" y="${H / 2}" class="axis" transform="rotate(-90 ${x0 + 14} ${H / 2})">${yLabel}</text>`,
  );
  if (guide) {
    out.push(
      `<line x1="${px(0.5)}" x2="${px(3)}" y1="${py(guide.value)}" y2="${py(guide.value)}" class="guide"/>`,
      `<text x="${px(3) - 2}" y="${py(guide.value) + 13}" class="tick" text-anchor="end">${guide.label}</text>`,
    );
  }
  data.results.forEach((r, i) => {
    // a phase with no good answer has no p99: the line stops there
    const shown = r.phases.filter((p) => value(p) !== undefined);
    const points = shown.map((p) => `${px(p.load).toFixed(1)},${py(value(p)).toFixed(1)}`);
    const width = r.label.startsWith('adaptive') ? 3 : 1.6;
    out.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="${width}"/>`,
      ...shown.map(
        (p) =>
          `<circle cx="${px(p.load).toFixed(1)}" cy="${py(value(p)).toFixed(1)}" r="2.5" fill="${COLORS[i % COLORS.length]}"/>`,
      ),
    );
  });
  return out.join('\n');
}

const legend = data.results
  .map(
    (r, i) =>
      `<rect x="${20 + i * 165}" y="${H + 6}" width="14" height="4" fill="${COLORS[i % COLORS.length]}"/><text x="${38 + i * 165}" y="${H + 12}" class="tick" text-anchor="start">${r.label}</text>`,
  )
  .join('\n');
// p99 of answers that came back in time (a configuration with none shows 0); capped at 4× unloaded
const p99Max = data.unloadedP99 * 4;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 24}" viewBox="0 0 ${2 * W} ${H + 24}" font-family="system-ui, sans-serif">
<style>.title{font-size:14px;font-weight:600;text-anchor:middle}.tick{font-size:11px;fill:#444}.axis{font-size:11px;fill:#222;text-anchor:middle}.grid{stroke:#e5e5e5}.guide{stroke:#888;stroke-dasharray:4 3}</style>
<rect width="100%" height="100%" fill="#fff"/>
${panel(0, 'Goodput (200s within the deadline)', 'requests / s', data.capacity * 1.6, (p) => p.goodput, { value: data.capacity * 0.9, label: '90 % of capacity' })}
${panel(W, 'p99 latency of good answers', 'ms', p99Max, (p) => (p.ok > 0 ? p.p99 : undefined), { value: data.unloadedP99 * 2, label: '2× unloaded p99' })}
${legend}
</svg>
`;
writeFileSync(`${BENCH_DIR}../docs/overload.svg`, svg);
process.stderr.write('overload: wrote docs/overload.svg\n');
