import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Every ```ts block of the READMEs (root, packages/*, examples/*) type-checks against the
// workspace's sources, as a module of its own (`.mts`: top-level `await` works), with strict
// settings. A block that needs context names it in an HTML comment right before the fence:
//
//   <!-- prelude: import { Retry } from '@dyno/retry'; declare const flaky: () => Promise<number>; -->
//
// and one that cannot compile at all says why: `<!-- no-check: the reason -->`. Errors point at
// the README's own line numbers.

const root = path.join(__dirname, '..', '..', '..');

interface Block {
  readonly readme: string; // relative to the root
  readonly index: number; // 1-based among the README's ts blocks
  readonly line: number; // of the first code line, 1-based
  readonly code: string;
  readonly prelude: string;
  readonly noCheck: string | undefined; // the reason
}

/** The ```ts blocks of one README, with the prelude or no-check comment before each. */
function extract(readme: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i] as string);
    if (fence === null) continue;
    const [, indent, marker, lang] = fence as unknown as [string, string, string, string];
    let end = i + 1;
    while (end < lines.length && !(lines[end] as string).trim().startsWith(marker)) end++;
    if (lang === 'ts' || lang === 'typescript') {
      const code = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n');
      const comments = commentsBefore(lines, i);
      const prelude = comments
        .map((c) => /^prelude:([\s\S]*)$/.exec(c)?.[1]?.trim())
        .filter((p): p is string => p !== undefined);
      const noCheck = comments
        .map((c) => /^no-check:([\s\S]*)$/.exec(c)?.[1]?.trim())
        .find((r) => r !== undefined);
      blocks.push({
        readme,
        index: blocks.length + 1,
        line: i + 2,
        code,
        prelude: prelude.join('\n'),
        noCheck,
      });
    }
    i = end;
  }
  return blocks;
}

/** The HTML comments right before line `fence` (only blank lines between them and it). */
function commentsBefore(lines: string[], fence: number): string[] {
  const found: string[] = [];
  let i = fence - 1;
  while (i >= 0) {
    const line = (lines[i] as string).trim();
    if (line === '') {
      i--;
      continue;
    }
    if (!line.endsWith('-->')) break;
    let start = i;
    while (start >= 0 && !(lines[start] as string).includes('<!--')) start--;
    if (start < 0) break;
    const comment = lines
      .slice(start, i + 1)
      .join('\n')
      .replace(/^\s*<!--/, '')
      .replace(/-->\s*$/, '')
      .trim();
    found.unshift(comment);
    i = start - 1;
  }
  return found;
}

/** Type-checks blocks in one program; the diagnostics of each, as `README:line: message`. */
function check(blocks: readonly Block[]): string[][] {
  const base = ts.readConfigFile(path.join(root, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(base.config.compilerOptions, root);
  Object.assign(options, { noEmit: true, types: ['node'], skipLibCheck: true });
  const files = new Map<string, { text: string; block: Block; offset: number }>();
  blocks.forEach((block, n) => {
    // beside its README, so relative imports in examples' READMEs resolve
    const file = path.join(root, path.dirname(block.readme), `__readme_block_${n}.mts`);
    const prelude = block.prelude === '' ? '' : `${block.prelude}\n`;
    const offset = prelude === '' ? 0 : prelude.split('\n').length - 1;
    files.set(file, { text: `${prelude}${block.code}\n`, block, offset });
  });
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(path.resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => files.get(path.resolve(f))?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, language, ...rest) => {
    const virtual = files.get(path.resolve(f));
    if (virtual !== undefined) return ts.createSourceFile(f, virtual.text, language, true);
    return getSourceFile.call(host, f, language, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return [...files].map(([file, { block, offset }]) => {
    const sf = program.getSourceFile(file) as ts.SourceFile;
    return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map(
      (d) => {
        const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        if (d.start === undefined) return `${block.readme}: ${message}`;
        const { line } = sf.getLineAndCharacterOfPosition(d.start);
        const where = line < offset ? 'in its prelude' : `line ${block.line + line - offset}`;
        return `${block.readme} ${where}: ${message}`;
      },
    );
  });
}

const readmes = [
  'README.md',
  ...['packages', 'examples'].flatMap((dir) =>
    readdirSync(path.join(root, dir))
      .map((d) => `${dir}/${d}/README.md`)
      .filter((f) => {
        try {
          return readFileSync(path.join(root, f)).length > 0;
        } catch {
          return false;
        }
      }),
  ),
];
const blocks = readmes.flatMap((f) => extract(f, readFileSync(path.join(root, f), 'utf8')));
const checked = blocks.filter((b) => b.noCheck === undefined);
let diagnostics: string[][] = [];

beforeAll(() => {
  diagnostics = check(checked);
});

describe('README code blocks', () => {
  it('finds the blocks of the root README and of every package', () => {
    expect(readmes).toContain('README.md');
    expect(readmes.filter((f) => f.startsWith('packages/')).length).toBeGreaterThanOrEqual(16);
    expect(checked.length).toBeGreaterThan(20);
  });

  it.each(checked.map((b, n) => [`${b.readme} block ${b.index} (line ${b.line})`, n] as const))(
    '%s type-checks',
    (_name, n) => {
      expect(diagnostics[n]).toEqual([]);
    },
  );

  it('a block that is not checked says why', () => {
    for (const block of blocks.filter((b) => b.noCheck !== undefined)) {
      expect(`${block.readme} block ${block.index}: ${block.noCheck}`).toMatch(/: \S.{9,}/);
    }
  });
});

describe('the README block checker', () => {
  const readme = [
    '# x',
    '```ts',
    "import { Retry } from '@dyno/retry';",
    'const n: number = new Retry().name;',
    '```',
    '<!-- prelude: declare const flaky: () => Promise<number>; -->',
    '',
    '```ts',
    'const value: string = await flaky();',
    '```',
    '<!--',
    'no-check: needs a browser',
    '-->',
    '```ts',
    'document.title;',
    '```',
    '```sh',
    'pnpm test',
    '```',
  ].join('\n');

  it('extracts ts blocks with their prelude and no-check reason', () => {
    const found = extract('x/README.md', readme);
    expect(found.map((b) => [b.index, b.line, b.prelude, b.noCheck])).toEqual([
      [1, 3, '', undefined],
      [2, 9, 'declare const flaky: () => Promise<number>;', undefined],
      [3, 15, '', 'needs a browser'],
    ]);
  });

  it('reports a wrong type at the README line, and passes a right one', () => {
    const [first, second] = check(extract('README.md', readme).slice(0, 2));
    expect(first).toEqual([expect.stringMatching(/^README\.md line 4: Type 'string' is not/)]);
    expect(second).toEqual([expect.stringMatching(/^README\.md line 9: Type 'number' is not/)]);
    const fixed = readme.replace('const n: number', 'const n: string');
    expect(check(extract('README.md', fixed).slice(0, 1))).toEqual([[]]);
  });
});
