// Transpiles the sources of the packages a child process needs into a temporary directory of
// plain ESM, so `node` children run the code under test without a build and without loading
// TypeScript themselves (types are stripped file by file, nothing is checked).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';

const packages = join(__dirname, '..', '..', '..', 'packages');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test-support' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Writes `<out>/<package>/...js` for each of the packages `names` (directories of `packages/`)
 * and returns `<out>`, a new temporary directory named after the last of them.
 */
export function transpile(names: readonly string[]): string {
  const out = mkdtempSync(join(tmpdir(), `dyno-${names.at(-1) ?? 'children'}-`));
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  for (const name of names) {
    const src = join(packages, name, 'src');
    for (const file of sources(src)) {
      const rel = relative(src, file).replace(/\.ts$/, '.js');
      const depth = rel.split('/').length;
      const up = '../'.repeat(depth);
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      // other packages by name become paths to their transpiled entry points
      const code = outputText.replace(/from '@dyno\/([a-z-]+)'/g, `from '${up}$1/index.js'`);
      mkdirSync(join(out, name, rel, '..'), { recursive: true });
      writeFileSync(join(out, name, rel), code);
    }
  }
  return out;
}
