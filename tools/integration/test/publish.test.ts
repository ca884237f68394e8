import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// `npm publish --dry-run` of every package (after the build; offline, so no registry is asked)
// lists only what a user should get: package.json, README.md, CHANGELOG.md, LICENSE and dist/
// without tests (plus the deployment files a package documents under ops/, such as
// @dyno/metrics' Prometheus rules with their promtool tests and its Grafana dashboard); every
// entry of `exports` is in it; and every source map can show its sources, embedded or shipped
// beside it.

const root = path.join(__dirname, '..', '..', '..');
const run = promisify(execFile);

const packages = readdirSync(path.join(root, 'packages'))
  .map((d) => path.join(root, 'packages', d))
  .filter((dir) => existsSync(path.join(dir, 'package.json')));

const ALLOWED = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/.+)$/;
const OPS = /^ops\/.+\.(ya?ml|json)$/;
const FORBIDDEN =
  /(^|\/)(src|test|tests|__tests__|test-support)\/|\.test\.|\.spec\.|\.tsbuildinfo$/;
const REQUIRED = ['package.json', 'README.md', 'LICENSE'];

/** What is wrong with the file list `files` of the package in `dir`; empty when nothing. */
function problems(dir: string, files: readonly string[]): string[] {
  const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const listed = new Set(files);
  const found: string[] = [];
  for (const file of files) {
    if (OPS.test(file)) continue;
    if (!ALLOWED.test(file) || FORBIDDEN.test(file)) found.push(`${file}: not on the allow-list`);
  }
  for (const file of REQUIRED) if (!listed.has(file)) found.push(`${file}: missing`);
  const targets = JSON.stringify(json.exports).match(/"\.\/dist\/[^"]+"/g) ?? [];
  for (const target of targets.map((t) => t.slice(3, -1))) {
    if (!listed.has(target)) found.push(`${target}: in exports but not in the tarball`);
  }
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const { sources = [], sourcesContent = [] } = JSON.parse(
      readFileSync(path.join(dir, map), 'utf8'),
    ) as { sources?: string[]; sourcesContent?: (string | null)[] };
    sources.forEach((source, i) => {
      const shipped = listed.has(path.posix.join(path.posix.dirname(map), source));
      if (!shipped && typeof sourcesContent[i] !== 'string') {
        found.push(`${map}: points at ${source}, which is neither shipped nor embedded`);
      }
    });
  }
  return found;
}

/** The file list of `npm publish --dry-run` in `dir`. */
async function dryRun(dir: string): Promise<string[]> {
  const { stdout } = await run('npm', ['publish', '--dry-run', '--json', '--offline'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const result = JSON.parse(stdout) as Record<string, { files: { path: string }[] }>;
  return Object.values(result).flatMap((r) => r.files.map((f) => f.path));
}

// the file list, or why npm failed (its errors come from another realm: no `instanceof Error`)
const lists = new Map<string, string[] | string>();

beforeAll(async () => {
  // a few at a time: each is mostly waiting on npm's start-up
  const queue = [...packages];
  const worker = async () => {
    for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
      lists.set(dir, await dryRun(dir).catch((error: { message: string }) => error.message));
    }
  };
  await Promise.all([worker(), worker(), worker()]);
});

describe('npm publish --dry-run', () => {
  it.each(packages.map((dir) => [path.basename(dir), dir] as const))(
    '%s publishes only what is on the allow-list, with usable source maps',
    (_name, dir) => {
      const files = lists.get(dir);
      if (typeof files === 'string') throw new Error(files);
      expect(files).toContain('dist/esm/index.js');
      expect(problems(dir, files ?? [])).toEqual([]);
    },
  );

  it('catches sources, tests, missing files and maps to sources not shipped', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dyno-publish-'));
    try {
      const exports = { '.': { import: { types: './dist/esm/index.d.ts' } } };
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ exports }));
      mkdirSync(path.join(dir, 'dist', 'esm'), { recursive: true });
      const map = (content?: string) =>
        JSON.stringify({ sources: ['../../src/a.ts'], sourcesContent: content && [content] });
      writeFileSync(path.join(dir, 'dist', 'esm', 'a.js.map'), map());
      writeFileSync(path.join(dir, 'dist', 'esm', 'b.js.map'), map('export const b = 1;'));
      const files = ['package.json', 'README.md', 'src/index.ts', 'dist/esm/a.test.js'];
      files.push('dist/cjs/test-support/x.js', 'dist/esm/a.js.map', 'dist/esm/b.js.map');
      files.push('ops/prometheus/rules.yml', 'ops/prometheus/rules.test.yml', 'ops/x.js');
      expect(problems(dir, files)).toEqual([
        'src/index.ts: not on the allow-list',
        'dist/esm/a.test.js: not on the allow-list',
        'dist/cjs/test-support/x.js: not on the allow-list',
        'ops/x.js: not on the allow-list',
        'LICENSE: missing',
        'dist/esm/index.d.ts: in exports but not in the tarball',
        'dist/esm/a.js.map: points at ../../src/a.ts, which is neither shipped nor embedded',
      ]);
      // shipping the source makes the map usable too
      expect(problems(dir, [...files, 'src/a.ts'])).not.toContainEqual(
        expect.stringMatching(/^dist\/esm\/a\.js\.map/),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
