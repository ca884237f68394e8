import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// Every pending changeset names real packages with a real bump, and its summary starts with
// `feat:`, `fix:` or `breaking:` as the README asks, so the changelogs read alike.

const root = path.join(__dirname, '..', '..', '..');
const dir = path.join(root, '.changeset');
const names = new Set(
  readdirSync(path.join(root, 'packages')).map(
    (d) => JSON.parse(readFileSync(path.join(root, 'packages', d, 'package.json'), 'utf8')).name,
  ),
);
const changesets = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');

/** Parses `---\n"@dyno/x": minor\n---\n\nsummary`; undefined when the shape is wrong. */
function parse(text: string) {
  const match = /^---\n([\s\S]*?)\n---\n+([\s\S]*)$/.exec(text);
  if (match === null) return undefined;
  const bumps = (match[1] as string)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => /^["'](@dyno\/[a-z-]+)["']: (patch|minor|major)$/.exec(line.trim()));
  return { bumps, summary: (match[2] as string).trim() };
}

describe('changesets', () => {
  it('there are changesets to check', () => {
    expect(changesets.length).toBeGreaterThan(0);
  });

  it.each(changesets)(
    '%s names known packages, a bump, and starts feat:, fix: or breaking:',
    (file) => {
      const parsed = parse(readFileSync(path.join(dir, file), 'utf8'));
      expect(parsed).toBeDefined();
      for (const bump of parsed?.bumps ?? []) {
        expect(bump).not.toBeNull();
        expect(names.has(bump?.[1])).toBe(true);
      }
      expect(parsed?.bumps.length).toBeGreaterThan(0);
      expect(parsed?.summary).toMatch(/^(feat|fix|breaking): \S/);
    },
  );

  it('rejects the shapes it must catch', () => {
    expect(parse('no front matter')).toBeUndefined();
    expect(parse('---\n"@dyno/retry": huge\n---\n\nfeat: x')?.bumps[0]).toBeNull();
    expect(parse('---\n"@dyno/retry": minor\n---\n\nNew option')?.summary).not.toMatch(
      /^(feat|fix|breaking): /,
    );
  });
});
