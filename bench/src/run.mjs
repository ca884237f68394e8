// `pnpm bench` (or `node src/run.mjs [scenario ...]`): runs every scenario in its own child
// process, the memory measurement in one child per library and the timers check in one child
// per library; prints the markdown report and writes it to results/latest.md and the README.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { ADAPTERS, loadAdapter } from './adapters/index.mjs';
import { BENCH_DIR, exitCheck, runScenario } from './child.mjs';
import { envNumber, settings } from './harness.mjs';
import { runOverloadPart } from './overload.mjs';
import { SCENARIO_ORDER } from './plan.mjs';
import { renderReport } from './report.mjs';
import { scaleSection } from './scale.mjs';
import { SCENARIOS } from './scenarios.mjs';

const started = Date.now();
const exitLimitMs = envNumber('BENCH_EXIT_LIMIT_MS', 3000);
const only = process.argv.slice(2);
const wanted = only.length > 0 ? SCENARIO_ORDER.filter((s) => only.includes(s)) : SCENARIO_ORDER;
const withMemory = only.length === 0 || only.includes('memory');
const withExit = only.length === 0 || only.includes('exit');
const log = (message) => process.stderr.write(`${message}\n`);

function readPackage(name) {
  const file = `${BENCH_DIR}node_modules/${name}/package.json`;
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

const adapters = [];
for (const file of ADAPTERS) adapters.push({ file, ...(await loadAdapter(file)) });
const libraries = adapters.map((a) => a.library);

const versions = [];
const dyno = [];
for (const a of adapters) {
  for (const name of a.packages) {
    const pkg = readPackage(name);
    if (a.library === 'dyno') {
      const main = pkg?.exports?.['.']?.import?.default ?? pkg?.module;
      const built = Boolean(main && existsSync(`${BENCH_DIR}node_modules/${name}/${main}`));
      dyno.push({ name, version: pkg?.version ?? '?', built });
    } else {
      versions.push({ name, version: pkg?.version ?? '?' });
    }
  }
}

const cpus = os.cpus();
const env = {
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.arch()}`,
  cpu: cpus[0]?.model?.trim() ?? 'unknown',
  cores: cpus.length,
  load: os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' '),
};

const scenarios = {};
for (const key of wanted) {
  log(`bench: ${key} ...`);
  const result = await runScenario([key]);
  scenarios[key] = { title: SCENARIOS[key].title, what: SCENARIOS[key].what, ...result };
}

// The hedging run's latency curves: results/hedge.json, drawn into docs/hedge.svg.
const hedge = scenarios.hedgeTail?.hedge;
if (hedge) {
  writeFileSync(`${BENCH_DIR}results/hedge.json`, `${JSON.stringify(hedge, null, 1)}\n`);
  execFileSync(process.execPath, [`${BENCH_DIR}src/hedge-plot.mjs`], { stdio: 'inherit' });
  delete scenarios.hedgeTail.hedge;
}

const memory = [];
if (withMemory) {
  for (const a of adapters) {
    const cap = a.caps.breakerInstance;
    if (cap === undefined) continue;
    if (typeof cap === 'string') {
      memory.push({ lib: a.library, status: cap });
      continue;
    }
    log(`bench: memory ${a.library} ...`);
    const result = await runScenario(['memory', a.file]);
    memory.push(result.crash ? { lib: a.library, error: result.crash } : result.row);
  }
}

const exits = [];
if (withExit) {
  log('bench: timers check ...');
  for (const lib of ['bare', ...ADAPTERS]) {
    const check = await exitCheck(lib, undefined, exitLimitMs);
    check.lib =
      lib === 'bare' ? 'bare (nothing used)' : adapters.find((a) => a.file === lib).library;
    if (!check.exits && check.used?.length) {
      // Name the capability that keeps the process alive: one child per capability, in parallel.
      const each = await Promise.all(check.used.map((cap) => exitCheck(lib, cap, exitLimitMs)));
      check.culprits = each.filter((e) => !e.exits).map((e) => e.cap);
    }
    exits.push(check);
  }
}

// 10,000 services in one process (src/scale.mjs): its own section, after the timers check.
let scale = '';
if (only.length === 0 || only.includes('scale')) {
  log('bench: scale ...');
  scenarios.scale = await runScenario(['scale']);
  scale = scaleSection(scenarios.scale);
}

let overload = '';
if (only.length === 0 || only.includes('overload')) {
  log('bench: overload experiment ...');
  overload = await runOverloadPart();
}

const results = {
  env,
  versions,
  dyno,
  settings,
  libraries,
  scenarios,
  memory,
  exits,
  exitLimitMs,
  seconds: Math.round((Date.now() - started) / 1000),
};
const report = `${renderReport(results)}${scale}${overload}`;
process.stdout.write(`${report}\n`);

const failures = Object.values(scenarios).flatMap((s) => s.failures ?? []);
if (only.length === 0) {
  writeFileSync(`${BENCH_DIR}results/latest.md`, `${report}\n`);
  // The README carries the latest table between its markers.
  const readmeFile = `${BENCH_DIR}README.md`;
  if (existsSync(readmeFile)) {
    const readme = readFileSync(readmeFile, 'utf8');
    const start = '<!-- latest-results:start -->';
    const end = '<!-- latest-results:end -->';
    const i = readme.indexOf(start);
    const j = readme.indexOf(end);
    if (i >= 0 && j > i) {
      const body = report
        .replace(/^# Dyno benchmark results\n/, '')
        .replaceAll(/^(#+) /gm, '$1## ');
      writeFileSync(
        readmeFile,
        `${readme.slice(0, i + start.length)}\n${body}\n${readme.slice(j)}`,
      );
    }
  }
  log(`bench: wrote results/latest.md in ${results.seconds} s`);
}
if (failures.length > 0) {
  log(`bench: assertion failed: ${failures.join('; ')}`);
  process.exitCode = 1;
}
