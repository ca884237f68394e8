import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The committed API reference (docs/api/) is what TypeDoc makes of today's doc comments, with no
// TypeDoc warning (a broken {@link}, a type left out of the docs), and every package README
// links to its page.

const root = path.join(__dirname, '..', '..', '..');
const script = path.join(__dirname, '..', 'scripts', 'api-docs.mjs');
const committed = path.join(root, 'docs', 'api');

const packages = readdirSync(path.join(root, 'packages'))
  .filter((dir) => existsSync(path.join(root, 'packages', dir, 'package.json')))
  .map((dir) => {
    const json = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8'));
    return { dir, name: json.name as string };
  });

/** Every file under `dir`, relative to it, sorted. */
function list(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => statSync(path.join(dir, file)).isFile())
    .map((file) => file.split(path.sep).join('/'))
    .sort();
}

let generated: string;
let problems = '';

beforeAll(() => {
  generated = mkdtempSync(path.join(tmpdir(), 'dyno-docs-'));
  try {
    execFileSync(process.execPath, [script, '--out', generated], {
      stdio: 'pipe',
      env: { ...process.env, NO_COLOR: '1' },
    });
  } catch (error) {
    // TypeDoc's warnings and errors, on stderr
    problems = String((error as { stderr?: Buffer }).stderr ?? error);
  }
});

afterAll(() => {
  rmSync(generated, { recursive: true, force: true });
});

describe('API reference', () => {
  it('TypeDoc finds nothing wrong with the doc comments', () => {
    expect(problems).toBe('');
  });

  it('has a page per package', () => {
    const pages = list(generated);
    for (const pkg of packages) expect(pages).toContain(`${pkg.name}.md`);
    expect(readFileSync(path.join(generated, '@dyno/retry.md'), 'utf8')).toMatch(
      /^## Classes[\s\S]*^### Retry$/m,
    );
  });

  it('docs/api/ is up to date with the doc comments', () => {
    const stale = [...new Set([...list(generated), ...list(committed)])].filter(
      (file) =>
        !existsSync(path.join(committed, file)) ||
        !existsSync(path.join(generated, file)) ||
        readFileSync(path.join(committed, file), 'utf8') !==
          readFileSync(path.join(generated, file), 'utf8'),
    );
    if (stale.length > 0) {
      throw new Error(
        `docs/api/ is out of date (${stale.slice(0, 10).join(', ')}${stale.length > 10 ? ', …' : ''}): ` +
          'run `pnpm docs:api` and commit docs/api/.',
      );
    }
  });

  it.each(packages.map((p) => [p.name, p] as const))(
    'the README of %s links to its API reference',
    (_name, pkg) => {
      const readme = readFileSync(path.join(root, 'packages', pkg.dir, 'README.md'), 'utf8');
      expect(readme).toContain(`](../../docs/api/${pkg.name}.md)`);
    },
  );
});
