import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Packs every public package, installs the tarballs into scratch projects outside the
// workspace, and loads each one with `import` and `require`, in JavaScript and TypeScript.

const root = path.join(__dirname, '..', '..', '..');
const packagesDir = path.join(root, 'packages');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
function run(file: string, args: string[], cwd: string): string {
  try {
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // show what the command printed, not only that it failed
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${path.basename(file)} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`,
    );
  }
}

interface Pkg {
  readonly dir: string;
  readonly name: string;
  readonly subpaths: string[];
  readonly dependencies: Record<string, string>;
}

const packages: Pkg[] = readdirSync(packagesDir)
  .map((d) => path.join(packagesDir, d))
  .map((dir) => {
    const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const subpaths = Object.keys(json.exports).filter((k) => k !== '.' && k !== './package.json');
    return { dir, name: json.name, subpaths, dependencies: json.dependencies ?? {} };
  });

let work: string;
const tarballs = new Map<string, string>();

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'dyno-pack-'));
  for (const pkg of packages) {
    const out = run('pnpm', ['pack', '--pack-destination', work], pkg.dir).trim().split('\n');
    tarballs.set(pkg.name, out[out.length - 1] as string);
  }
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A scratch project with the tarballs of `names` and, from the registry, `extra` packages. */
function scratch(name: string, names: string[], extra: string[] = []): string {
  const dir = path.join(work, name);
  run('mkdir', ['-p', dir], work);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true }));
  const files = [...names.map((n) => tarballs.get(n) as string), ...extra];
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', ...files],
    dir,
  );
  return dir;
}

const specifiers = (pkg: Pkg) => [pkg.name, ...pkg.subpaths.map((s) => pkg.name + s.slice(1))];

describe('packaging', () => {
  it('every package passes publint', () => {
    for (const pkg of packages) {
      const out = run(bin('publint'), [pkg.dir, '--strict'], root);
      expect(out).not.toMatch(/error|warning|suggestion/i);
    }
  });

  it('every package passes are-the-types-wrong (node16 and bundler)', () => {
    for (const pkg of packages) {
      const out = run(
        bin('attw'),
        [tarballs.get(pkg.name) as string, '--format', 'ascii', '--profile', 'node16'],
        work,
      );
      // attw exits non-zero on any problem, which makes `run` throw
      expect(out).toMatch(/node16 \(from ESM\): 🟢 \(ESM\)/);
      expect(out).toMatch(/node16 \(from CJS\): 🟢 \(CJS\)/);
    }
  });

  it('installs every tarball outside the workspace and loads each entry with import and require', () => {
    // what a TypeScript user of every package has: Node's types and the optional OpenTelemetry peer
    const dir = scratch(
      'all',
      packages.map((p) => p.name),
      ['@types/node@20.19.43', '@opentelemetry/api@1.9.0'],
    );
    const names = packages.flatMap(specifiers);
    writeFileSync(
      path.join(dir, 'esm.mjs'),
      names
        .map(
          (n, i) =>
            `import * as m${i} from '${n}';\nif (Object.keys(m${i}).length === 0) throw new Error('${n}');`,
        )
        .join('\n'),
    );
    writeFileSync(
      path.join(dir, 'cjs.cjs'),
      names
        .map((n) => `if (Object.keys(require('${n}')).length === 0) throw new Error('${n}');`)
        .join('\n'),
    );
    run(process.execPath, ['esm.mjs'], dir);
    run(process.execPath, ['cjs.cjs'], dir);
    writeFileSync(
      path.join(dir, 'esm.mts'),
      names
        .map(
          (n, i) =>
            `import * as m${i} from '${n}';\nexport const k${i}: string[] = Object.keys(m${i});`,
        )
        .join('\n'),
    );
    writeFileSync(
      path.join(dir, 'cjs.cts'),
      names
        .map(
          (n, i) =>
            `import m${i} = require('${n}');\nexport const k${i}: string[] = Object.keys(m${i});`,
        )
        .join('\n'),
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          noEmit: true,
          types: ['node'],
          skipLibCheck: false,
          lib: ['es2022', 'esnext.disposable', 'dom'],
        },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], dir);
  });

  it('every tarball holds the LICENSE, and its source maps carry their sources', () => {
    for (const pkg of packages) {
      const dir = path.join(work, 'unpacked', pkg.name);
      mkdirSync(dir, { recursive: true });
      run('tar', ['-xzf', tarballs.get(pkg.name) as string, '-C', dir], work);
      expect(readFileSync(path.join(dir, 'package', 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
      const maps = readdirSync(path.join(dir, 'package', 'dist'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.js.map'));
      expect(maps.length).toBeGreaterThan(0);
      for (const map of maps) {
        const json = JSON.parse(readFileSync(path.join(dir, 'package', 'dist', map), 'utf8'));
        // src/ is not shipped: a debugger shows the embedded TypeScript
        expect(json.sourcesContent?.[0]).toEqual(expect.stringMatching(/\S/));
      }
    }
  });

  it('refuses to pack a package that was not built', () => {
    const copy = path.join(work, 'unbuilt');
    mkdirSync(copy, { recursive: true });
    const stats = packages.find((p) => p.name === '@dyno/stats') as Pkg;
    writeFileSync(
      path.join(copy, 'package.json'),
      readFileSync(path.join(stats.dir, 'package.json'), 'utf8'),
    );
    const prepack = path.join(root, 'tools', 'prepack.mjs');
    expect(() => run(process.execPath, [prepack], copy)).toThrow(
      /@dyno\/stats: not built \(missing \.\/dist\/esm\/index\.d\.ts/,
    );
  });

  it('installing @dyno/stats alone brings only itself and what it declares', () => {
    const stats = packages.find((p) => p.name === '@dyno/stats') as Pkg;
    const dir = scratch('stats-only', ['@dyno/stats', ...Object.keys(stats.dependencies)]);
    const tree = JSON.parse(run('npm', ['ls', '--all', '--json'], dir));
    const installed = new Set<string>();
    const walk = (deps: Record<string, { dependencies?: object }> = {}) => {
      for (const [name, node] of Object.entries(deps)) {
        installed.add(name);
        walk(node.dependencies as never);
      }
    };
    walk(tree.dependencies);
    expect([...installed].sort()).toEqual(['@dyno/core', '@dyno/stats']);
    const out = run(
      process.execPath,
      ['-e', "console.log(require('@dyno/stats').percentile(50, [1,2,3,4]))"],
      dir,
    );
    expect(out.trim()).toBe('3');
  });
});
