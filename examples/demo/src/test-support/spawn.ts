// Runs the demo as a real child `node` process, as `pnpm demo` does, without needing
// `pnpm install` to have linked this example: the demo's sources are transpiled to ESM in a
// temporary directory and a resolve hook maps `@dyno/<name>` to the built
// `packages/<name>/dist/esm/index.js`. A missing dist is built first (the dashboard is optional
// and never built here: the demo serves a placeholder without it).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = resolve(__dirname, '../../../..');
const packages = join(root, 'packages');
const src = resolve(__dirname, '..');

/** The @dyno packages the demo imports (its package.json dependencies). */
export function demoPackages(): string[] {
  const pkg = JSON.parse(readFileSync(resolve(src, '../package.json'), 'utf8'));
  return Object.keys(pkg.dependencies).map((name) => name.replace('@dyno/', ''));
}

/** Builds every required package whose dist is missing (never the optional dashboard). */
export function buildMissing(): string[] {
  const built: string[] = [];
  for (const name of ['core', 'stats', 'retry', 'breaker', 'metrics', 'pool', 'service']) {
    if (existsSync(join(packages, name, 'dist/esm/index.js'))) continue;
    execFileSync(process.execPath, [join(root, 'tools/build.mjs')], {
      cwd: join(packages, name),
      stdio: 'ignore',
    });
    built.push(name);
  }
  return built;
}

/** Transpiles the demo to a temporary directory; returns it (remove it when done). */
export function transpileDemo(): string {
  const out = mkdtempSync(join(tmpdir(), 'dyno-demo-'));
  for (const file of readdirSync(src)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(out, file.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  const hooks = `
const packages = ${JSON.stringify(pathToFileURL(packages).href)};
export async function resolve(specifier, context, next) {
  const m = /^@dyno\\/([a-z-]+)$/.exec(specifier);
  if (m) return next(packages + '/' + m[1] + '/dist/esm/index.js', context);
  return next(specifier, context);
}`;
  writeFileSync(join(out, 'hooks.mjs'), hooks);
  writeFileSync(
    join(out, 'register.mjs'),
    "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
  );
  return out;
}

/** What the child did. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `main.js` with `args` and waits for the process to exit by itself (killed after `limit`). */
export function runChild(dir: string, args: string[], limit: number): Promise<ChildRun> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', './register.mjs', 'main.js', ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), limit);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      done({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Removes a directory made by `transpileDemo`. */
export function remove(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
