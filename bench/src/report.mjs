// Turns the results of a run into the markdown report.
import { SCENARIO_ORDER, TARGETS } from './plan.mjs';

const fmtNs = (ns) =>
  ns === undefined
    ? ''
    : ns >= 10_000
      ? `${(ns / 1000).toFixed(1)} µs`
      : `${ns.toFixed(ns < 100 ? 1 : 0)} ns`;
const fmtRatio = (r) => (r === undefined ? '' : `${r < 10 ? r.toFixed(2) : r.toFixed(0)}×`);
const fmtBytes = (b) => (b >= 1024 ? `${(b / 1024).toFixed(2)} kB` : `${Math.round(b)} B`);
const cell = (row) => row.status ?? (row.error ? `error: ${row.error}` : undefined);
const esc = (s) => String(s ?? '').replaceAll('|', '\\|');

function table(head, rows) {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

// Scenarios with peers that are not resilience libraries: in their own tables only.
const OWN_TABLE = new Set(['histogram', 'cache', 'tieredHit']);

function summary(results, allLibraries) {
  // Only the libraries with a resilience capability; lru-cache and hdr-histogram-js have their
  // own tables below.
  const libraries = allLibraries.filter((lib) =>
    SCENARIO_ORDER.some((key) =>
      results.scenarios[key]?.rows?.some(
        (r) => r.lib === lib && r.status !== '—' && !OWN_TABLE.has(key),
      ),
    ),
  );
  const head = ['scenario', ...libraries, 'Dyno target'];
  const rows = [];
  for (const key of SCENARIO_ORDER) {
    const res = results.scenarios[key];
    if (!res || OWN_TABLE.has(key)) continue;
    const row = [res.title];
    for (const lib of libraries) {
      const found = res.rows?.filter((r) => r.lib === lib) ?? [];
      if (res.crash) row.push('crashed');
      else if (found.length === 0) row.push('—');
      else row.push(found.map((r) => cell(r) ?? fmtRatio(r.ratio)).join(' / '));
    }
    row.push(TARGETS[key] ?? '');
    rows.push(row);
  }
  const mem = ['memory per breaker (timers)'];
  for (const lib of libraries) {
    const m = results.memory.find((r) => r.lib === lib);
    if (!m) mem.push('—');
    else mem.push(cell(m) ?? `${fmtBytes(m.bytes)} (${m.timers})`);
  }
  mem.push(TARGETS.memory);
  rows.push(mem);
  const stack = ['memory per composed stack'];
  for (const lib of libraries) {
    const m = results.memory.find((r) => r.lib === lib);
    stack.push(m?.stack ? fmtBytes(m.stack.bytes) : '—');
  }
  stack.push(TARGETS.stack ?? '');
  rows.push(stack);
  return table(head, rows);
}

function scenarioSection(key, res) {
  const out = [`### ${res.title}`, '', res.what, ''];
  if (res.crash) return [...out, `The scenario crashed: ${res.crash}`, ''].join('\n');
  const measured = res.rows.filter((r) => !cell(r));
  const other = res.rows.filter((r) => cell(r) && r.status !== '—');
  if (key === 'histogram') {
    const sizes = new Map((res.sizes ?? []).map((s) => [s.label, s.bytes]));
    out.push(
      table(
        [
          'subject',
          'ns per record (median)',
          'net of the loop',
          'spread (min–max)',
          'bytes per instance',
          'notes',
        ],
        [
          ...measured.map((r) => [
            r.label,
            fmtNs(r.ns),
            r.netNs === undefined ? '' : fmtNs(r.netNs),
            `${fmtNs(r.min)} – ${fmtNs(r.max)}`,
            sizes.has(r.label)
              ? fmtBytes(sizes.get(r.label))
              : /WebAssembly/.test(r.label)
                ? 'n/a (WebAssembly memory)'
                : '',
            r.note ?? '',
          ]),
          ...other.map((r) => [r.label, cell(r), '', '', '', '']),
        ],
      ),
    );
  } else {
    const bulk = key === 'bulkhead';
    const open = key === 'breakerOpen';
    const head = ['library', 'ns per call (median)', 'ratio to bare', 'spread (min–max)'];
    if (res.reference) head.push(`ratio to ${res.reference}`);
    if (bulk) head.push('calls/s', 'highest concurrency');
    if (open) head.push('fn calls while open');
    head.push('notes');
    const rows = measured.map((r) => {
      const row = [r.label, fmtNs(r.ns), fmtRatio(r.ratio), `${fmtNs(r.min)} – ${fmtNs(r.max)}`];
      if (res.reference) row.push(fmtRatio(r.toReference));
      if (bulk) {
        row.push(
          r.callsPerSecond ? `${(r.callsPerSecond / 1e6).toFixed(2)} M` : '',
          r.lib === 'bare'
            ? `${r.maxConcurrency} (no limit)`
            : `${r.maxConcurrency} ${r.concurrencyOk ? '✓' : '✗'}`,
        );
      }
      if (open) row.push(r.fnCallsWhileOpen ?? '');
      row.push(r.note ?? '');
      return row;
    });
    for (const r of other) {
      const row = [r.label, cell(r), '', ''];
      if (res.reference) row.push('');
      if (bulk) row.push('', '');
      if (open) row.push('');
      row.push('');
      rows.push(row);
    }
    out.push(table(head, rows));
    if (key === 'cache' && res.entries?.length) {
      out.push(
        '',
        `Memory per entry (${res.entries.length ? 'short string keys and values, ' : ''}filled to the instance count):`,
        '',
        table(
          ['library', 'bytes per entry'],
          res.entries.map((e) => [e.lib, fmtBytes(e.bytes)]),
        ),
      );
    }
    if (res.failures?.length) out.push('', `**Assertion failed:** ${res.failures.join('; ')}`);
  }
  out.push('');
  return out.join('\n');
}

function memorySection(memory, instances) {
  const rows = memory
    .filter((m) => m.status !== '—')
    .map((m) =>
      cell(m)
        ? [m.lib, cell(m), '', '', '']
        : [m.lib, fmtBytes(m.bytes), String(m.timers), String(m.liveTimers), m.note ?? ''],
    );
  return [
    '### Memory per circuit breaker',
    '',
    `${instances} breakers, each after one successful call, kept alive; JS heap plus ArrayBuffer stores after forced GC. Timers counted on a further sample by wrapping \`setTimeout\`/\`setInterval\`.`,
    '',
    table(
      [
        'library',
        'bytes per breaker',
        'timers created per breaker',
        'timers still pending per breaker',
        'notes',
      ],
      rows,
    ),
    '',
  ].join('\n');
}

function stackSection(memory, instances) {
  const stacks = memory.filter((m) => m.stack);
  const metrics = memory.flatMap((m) => (m.metrics ?? []).map((x) => ({ lib: m.lib, ...x })));
  const services = memory.flatMap((m) => (m.services ?? []).map((x) => ({ lib: m.lib, ...x })));
  if (stacks.length === 0 && metrics.length === 0) return '';
  return [
    '### Memory per composed stack and per Metrics',
    '',
    `${instances} composed stacks (the \`composed\` scenario's), each after one successful call, kept alive; measured as the breakers are.`,
    '',
    table(
      ['library', 'bytes per stack', 'timers created per stack', 'timers still pending', 'notes'],
      stacks.map((m) => [
        m.lib,
        fmtBytes(m.stack.bytes),
        String(m.stack.timers),
        String(m.stack.liveTimers),
        m.stack.note ?? '',
      ]),
    ),
    '',
    'A `Metrics` with the default windows (counters 10 s, latency 60 s in six 10 s histograms) on a manual clock, log-normal latencies (median 20 ms, σ 0.5):',
    '',
    sizesTable(metrics),
    '',
    ...(services.length === 0
      ? []
      : [
          'A whole `service(fn)` with its default options (retry, breaker, pool with a 1 s timeout, metrics); each call takes 1 to 40 ms of a clock the calls move; goal: at most 3 KB idle and 8 KB at steady traffic:',
          '',
          sizesTable(services),
          '',
        ]),
  ].join('\n');
}

/** Bytes per instance of one library in several states. */
function sizesTable(rows) {
  return table(
    ['library', 'state', 'bytes per instance', 'instances'],
    rows.map((m) => [m.lib, m.label, fmtBytes(m.bytes), String(m.instances)]),
  );
}

function exitSection(exits, limitMs) {
  const rows = exits.map((e) => {
    if (e.error) return [e.lib, `error: ${e.error}`, '', '', ''];
    const culprits = e.culprits?.length ? e.culprits.join(', ') : '';
    return [
      e.lib,
      e.exits ? 'yes' : `no (killed after ${limitMs / 1000} s)`,
      e.exits ? `${e.afterMs} ms` : '',
      e.used.join(', ') || '(nothing)',
      culprits,
    ];
  });
  return [
    '### Timers check: does the process exit by itself?',
    '',
    'Each library is used once in a fresh process (every capability it has, an open breaker included) and nothing is disposed; time measured from the last use to the exit.',
    '',
    table(['library', 'exits by itself', 'time to exit', 'used', 'what keeps it alive'], rows),
    '',
  ].join('\n');
}

export function renderReport(results) {
  const { env, versions, dyno, settings } = results;
  const libraries = results.libraries;
  const parts = [
    '# Dyno benchmark results',
    '',
    `- Date: ${env.date}`,
    `- Node ${env.node} (V8 ${env.v8}) on ${env.platform}`,
    `- CPU: ${env.cpu} × ${env.cores} cores; load average at start ${env.load}`,
    `- Settings: ${settings.rounds} rounds, about ${settings.targetMs} ms per measurement, ${settings.instances} instances for memory; run took ${results.seconds} s`,
    `- Peers: ${versions.map((v) => `${v.name} ${v.version}`).join(', ')}`,
    `- Dyno: ${dyno.map((d) => `${d.name} ${d.built ? d.version : 'not built'}`).join(', ')}`,
    '',
    '## Summary: ratio to a bare `await fn()` in the same process and rounds (lower is better)',
    '',
    summary(results, libraries),
    '',
    '"—": the library has no such capability. "not built": the Dyno package is not built yet.',
    '',
    '## Details',
    '',
  ];
  for (const key of SCENARIO_ORDER) {
    if (results.scenarios[key]) parts.push(scenarioSection(key, results.scenarios[key]));
  }
  parts.push(memorySection(results.memory, settings.instances));
  parts.push(stackSection(results.memory, settings.instances));
  parts.push(exitSection(results.exits, results.exitLimitMs));
  return parts.join('\n');
}
