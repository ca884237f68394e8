import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The committed API reports (api/<dir>.api.md) match the packages' public API, and every change
// to the API since the last release (api/released/<dir>.api.md; none before a first release)
// comes with a pending changeset for that package: a new line needs `feat:` (or `breaking:`)
// and a minor bump, a removed or changed line needs `breaking:` (minor before 1.0, major after).

const root = path.join(__dirname, '..', '..', '..');
const script = path.join(__dirname, '..', 'scripts', 'api-report.mjs');
const apiDir = path.join(root, 'api');

const packages = readdirSync(path.join(root, 'packages'))
  .filter((dir) => existsSync(path.join(root, 'packages', dir, 'package.json')))
  .map((dir) => {
    const json = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8'));
    return { dir, name: json.name as string, version: json.version as string };
  });

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/** Lines of `before` missing from `after`, and lines of `after` new to `before` (as multisets). */
function lineChanges(before: string, after: string) {
  const count = (text: string) => {
    const counts = new Map<string, number>();
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      counts.set(line, (counts.get(line) ?? 0) + 1);
    }
    return counts;
  };
  const a = count(before);
  const b = count(after);
  const minus = (x: Map<string, number>, y: Map<string, number>) =>
    [...x].flatMap(([line, n]) => Array<string>(Math.max(0, n - (y.get(line) ?? 0))).fill(line));
  return { removed: minus(a, b), added: minus(b, a) };
}

interface Changeset {
  readonly file: string;
  readonly bumps: ReadonlyMap<string, string>;
  readonly summary: string;
}

function pendingChangesets(dir = path.join(root, '.changeset')): Changeset[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((file) => {
      const match = /^---\n([\s\S]*?)\n---\n+([\s\S]*)$/.exec(
        readFileSync(path.join(dir, file), 'utf8'),
      );
      const bumps = new Map<string, string>();
      for (const line of (match?.[1] ?? '').split('\n')) {
        const bump = /^["']([^"']+)["']:\s*(patch|minor|major)\s*$/.exec(line.trim());
        if (bump) bumps.set(bump[1] as string, bump[2] as string);
      }
      return { file, bumps, summary: (match?.[2] ?? '').trim() };
    });
}

/**
 * What is missing for a package whose report went from `released` to `current`, given the
 * pending changesets; '' when nothing is.
 */
function missingChangeset(
  pkg: { name: string; version: string },
  released: string,
  current: string,
  changesets: readonly Changeset[],
): string {
  const { removed, added } = lineChanges(released, current);
  if (removed.length === 0 && added.length === 0) return '';
  const mine = changesets.filter((c) => c.bumps.has(pkg.name));
  const stable = !pkg.version.startsWith('0.');
  const ok = (c: Changeset, kinds: RegExp, bumps: string[]) =>
    kinds.test(c.summary) && bumps.includes(c.bumps.get(pkg.name) as string);
  const show = (lines: string[]) =>
    lines
      .slice(0, 5)
      .map((l) => `    ${l.trim()}`)
      .join('\n');
  if (
    removed.length > 0 &&
    !mine.some((c) => ok(c, /^breaking: /, stable ? ['major'] : ['minor', 'major']))
  ) {
    return [
      `${pkg.name}: its API report lost or changed ${removed.length} line(s) since the last release, e.g.`,
      show(removed),
      `so a pending changeset must name "${pkg.name}": ${stable ? 'major' : 'minor'} with a summary starting \`breaking:\``,
      `(found: ${mine.map((c) => c.file).join(', ') || 'none'}).`,
    ].join('\n');
  }
  if (!mine.some((c) => ok(c, /^(feat|breaking): /, ['minor', 'major']))) {
    return [
      `${pkg.name}: its API report gained ${added.length} line(s) since the last release, e.g.`,
      show(added),
      `so a pending changeset must name "${pkg.name}": minor with a summary starting \`feat:\``,
      `(found: ${mine.map((c) => c.file).join(', ') || 'none'}).`,
    ].join('\n');
  }
  return '';
}

let generated: string;

beforeAll(() => {
  generated = mkdtempSync(path.join(tmpdir(), 'dyno-api-'));
  execFileSync(process.execPath, [script, '--out', generated], { stdio: 'pipe' });
});

afterAll(() => {
  rmSync(generated, { recursive: true, force: true });
});

describe('API reports', () => {
  it.each(packages.map((p) => [p.name, p] as const))('%s matches its API report', (_name, pkg) => {
    const file = `${pkg.dir}.api.md`;
    const actual = read(path.join(generated, file));
    const committed = read(path.join(apiDir, file));
    expect(actual).toEqual(expect.stringContaining(`## API Report File for "${pkg.name}"`));
    if (actual !== committed) {
      const { removed, added } = lineChanges(committed ?? '', actual as string);
      throw new Error(
        [
          `The public API of ${pkg.name} differs from api/${file}:`,
          ...removed.slice(0, 10).map((l) => `  - ${l}`),
          ...added.slice(0, 10).map((l) => `  + ${l}`),
          `If the change is intended, run \`pnpm api:update\` and commit api/${file}, with a`,
          `changeset for ${pkg.name} (\`breaking:\` when a line was removed or changed).`,
        ].join('\n'),
      );
    }
  });

  it('has no report for a package that does not exist', () => {
    const reports = readdirSync(apiDir).filter((f) => f.endsWith('.api.md'));
    expect(reports.sort()).toEqual(packages.map((p) => `${p.dir}.api.md`).sort());
  });

  it('a report shows exports, not private members or doc comments', () => {
    const core = read(path.join(generated, 'core.api.md')) as string;
    expect(core).toMatch(/^### "@dyno\/core\/testing"$/m);
    expect(core).toMatch(/^export declare class DynoError extends Error/m);
    expect(core).not.toMatch(/\/\*\*|^\s+private /m);
  });
});

describe('changesets for API changes', () => {
  const changesets = pendingChangesets();

  it.each(packages.map((p) => [p.name, p] as const))(
    '%s: every API change since the last release has a matching pending changeset',
    (_name, pkg) => {
      const released = read(path.join(apiDir, 'released', `${pkg.dir}.api.md`)) ?? '';
      const current = read(path.join(apiDir, `${pkg.dir}.api.md`)) ?? '';
      const missing = missingChangeset(pkg, released, current, changesets);
      if (missing !== '') throw new Error(missing);
    },
  );

  describe('the rule', () => {
    const pkg = { name: '@dyno/x', version: '0.3.0' };
    const before = 'export interface A {\n    a: number;\n}\n';
    const added = 'export interface A {\n    a: number;\n    b?: string;\n}\n';
    const changed = 'export interface A {\n    a: string;\n}\n';
    const set = (bump: string, summary: string, name = '@dyno/x'): Changeset => ({
      file: 'c.md',
      bumps: new Map([[name, bump]]),
      summary,
    });

    it('asks nothing when the API did not change', () => {
      expect(missingChangeset(pkg, before, before, [])).toBe('');
    });

    it('wants a minor feat: changeset naming the package for a new line', () => {
      expect(missingChangeset(pkg, before, added, [])).toMatch(
        /gained 1 line\(s\)[\s\S]*b\?: string;/,
      );
      expect(missingChangeset(pkg, before, added, [set('patch', 'fix: x')])).toMatch(/feat:/);
      expect(missingChangeset(pkg, before, added, [set('minor', 'feat: x', '@dyno/y')])).toMatch(
        /found: none/,
      );
      expect(missingChangeset(pkg, before, added, [set('minor', 'feat: b')])).toBe('');
    });

    it('wants breaking: for a removed or changed line: minor before 1.0, major after', () => {
      expect(missingChangeset(pkg, before, changed, [set('minor', 'feat: x')])).toMatch(
        /lost or changed 1 line\(s\)[\s\S]*a: number;[\s\S]*breaking:/,
      );
      expect(
        missingChangeset(pkg, before, changed, [set('minor', 'breaking: a is a string')]),
      ).toBe('');
      const stable = { ...pkg, version: '1.2.0' };
      expect(missingChangeset(stable, before, changed, [set('minor', 'breaking: x')])).toMatch(
        /major with a summary starting `breaking:`/,
      );
      expect(missingChangeset(stable, before, changed, [set('major', 'breaking: x')])).toBe('');
    });
  });
});
