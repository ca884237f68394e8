// `node src/compare.mjs <git ref> [--runs N] <scenario ...>`: today's Dyno against the Dyno of
// another commit, on this machine, in today's harness (decision 92). Builds the other commit's
// packages in a temporary git worktree, copies today's `bench/src` beside them, then runs each
// scenario in fresh processes, alternating old and new `--runs` times, and prints the medians of
// Dyno's ratio to a bare `await fn()` and new ÷ old. The worktree is removed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR } from './child.mjs';
import { median } from './harness.mjs';
import { SCENARIO_ORDER } from './plan.mjs';

const USAGE = 'usage: node src/compare.mjs <git ref> [--runs N] <scenario ...>';

function parseArgs(argv) {
  const [ref, ...rest] = argv;
  if (ref === undefined || ref.startsWith('-')) throw new Error(USAGE);
  let runs = 7;
  const scenarios = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--runs') {
      runs = Number(rest[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`);
    } else if (SCENARIO_ORDER.includes(rest[i])) scenarios.push(rest[i]);
    else throw new Error(`unknown scenario ${rest[i]}; one of ${SCENARIO_ORDER.join(', ')}`);
  }
  if (scenarios.length === 0) throw new Error(USAGE);
  return { ref, runs, scenarios };
}

const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });

/** A worktree of `ref` with its packages built and today's harness in `bench/src-today`. */
function prepare(root, ref) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dyno-compare-'));
  run('git', ['worktree', 'add', '--detach', dir, ref], root);
  const install = spawnSync('pnpm', ['install', '--frozen-lockfile', '--offline'], { cwd: dir });
  if (install.status !== 0) run('pnpm', ['install', '--frozen-lockfile'], dir);
  run('pnpm', ['build'], dir);
  cpSync(path.join(BENCH_DIR, 'src'), path.join(dir, 'bench', 'src-today'), { recursive: true });
  // peers today's harness imports that the old commit did not have yet
  const modules = path.join(BENCH_DIR, 'node_modules');
  for (const name of ['ioredis', 'rate-limiter-flexible', 'cockatiel', 'opossum', 'mollitia']) {
    const target = path.join(dir, 'bench', 'node_modules', name);
    if (!existsSync(target)) symlinkSync(path.join(modules, name), target);
  }
  return dir;
}

/** Dyno's ratios (by row label) in one fresh process of `scenario`. */
function ratios(benchDir, src, scenario) {
  const out = spawnSync(process.execPath, ['--expose-gc', `${src}/scenario.mjs`, scenario], {
    cwd: benchDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (line === undefined) throw new Error(`${scenario} failed in ${benchDir}:\n${out.stderr}`);
  const rows = JSON.parse(line.slice('@@RESULT '.length)).rows ?? [];
  return new Map(rows.filter((r) => r.lib === 'dyno' && r.ratio).map((r) => [r.label, r.ratio]));
}

const { ref, runs, scenarios } = parseArgs(process.argv.slice(2));
const root = path.resolve(BENCH_DIR, '..');
process.stderr.write(`compare: building ${ref} in a temporary worktree ...\n`);
const dir = prepare(root, ref);
try {
  const sides = [
    { name: ref, bench: path.join(dir, 'bench'), src: 'src-today' },
    { name: 'today', bench: BENCH_DIR, src: 'src' },
  ];
  process.stdout.write(
    `| scenario | row | ${ref} | today | today ÷ ${ref} | pairs |\n|---|---|---|---|---|---|\n`,
  );
  for (const scenario of scenarios) {
    const seen = sides.map(() => new Map());
    for (let i = 0; i < runs; i++) {
      process.stderr.write(`compare: ${scenario} ${i + 1}/${runs}\n`);
      sides.forEach((side, s) => {
        for (const [label, ratio] of ratios(side.bench, side.src, scenario)) {
          seen[s].set(label, [...(seen[s].get(label) ?? []), ratio]);
        }
      });
    }
    for (const [label, olds] of seen[0]) {
      const news = seen[1].get(label);
      if (news === undefined) continue;
      const pairs = olds.map((o, i) => (news[i] / o).toFixed(2)).join(' ');
      const [o, n] = [median(olds), median(news)];
      process.stdout.write(
        `| ${scenario} | ${label} | ${o.toFixed(2)}× | ${n.toFixed(2)}× | ${(n / o).toFixed(3)} | ${pairs} |\n`,
      );
    }
  }
} finally {
  spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: root });
  rmSync(dir, { recursive: true, force: true });
}
