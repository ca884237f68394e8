import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Each package reads top-down: no file of a package's `src` imports, even `import type`, from
// a file that imports it back, directly or through others (issue 23). Tests and test helpers
// do not count.

const root = path.join(__dirname, '..', '..', '..');
const packages = readdirSync(path.join(root, 'packages'));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' || e.name === 'test-support' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.includes('.test.') ? [p] : [];
  });
}

/** The package's files each file imports (relative imports of `.js` names, as written). */
function importGraph(src: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(src)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    graph.set(
      file,
      importedFiles
        .map((i) => i.fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => path.resolve(path.dirname(file), name.replace(/\.js$/, '.ts'))),
    );
  }
  return graph;
}

/** Every circle of imports found by a depth-first walk, as `a.ts -> b.ts -> a.ts`. */
function circles(graph: Map<string, string[]>, base: string): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const trail: string[] = [];
  const visit = (file: string) => {
    trail.push(file);
    for (const next of graph.get(file) ?? []) {
      const at = trail.indexOf(next);
      if (at >= 0) {
        found.push([...trail.slice(at), next].map((f) => path.relative(base, f)).join(' -> '));
      } else if (graph.has(next) && !done.has(next)) visit(next);
    }
    trail.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return found;
}

describe('imports inside each package', () => {
  it('finds a circle when there is one', () => {
    const graph = new Map([
      ['/p/a.ts', ['/p/b.ts']],
      ['/p/b.ts', ['/p/c.ts']],
      ['/p/c.ts', ['/p/a.ts']],
      ['/p/d.ts', ['/p/a.ts']],
    ]);
    expect(circles(graph, '/p')).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
  });

  it.each(packages)('@dyno/%s has no circle, type imports included', (pkg) => {
    const src = path.join(root, 'packages', pkg, 'src');
    expect(circles(importGraph(src), src)).toEqual([]);
  });
});
