// Builds the packages under packages/ to ESM (dist/esm) and CommonJS (dist/cjs), each with
// declarations, so `import` and `require` both get matching types.
//
//   node tools/build.mjs                  every package (`pnpm build`, and turbo's `//#build`)
//   node tools/build.mjs examples/demo    the packages the demo uses, and what they use (`pnpm demo`)
//   node tools/build.mjs packages/retry   that package, after the packages it uses
//   --force                               rebuild what is up to date
//
// One process builds them all, in dependency order, so Node.js, TypeScript, the standard
// library's and @types/node's declarations are loaded, parsed and bound once, not once per
// package as with a `tsc` per package (that was three quarters of the time). Per package, one
// TypeScript program type-checks and emits ESM and the declarations, exactly as
// `tsc -p tsconfig.build.json --outDir dist/esm` would; the CommonJS files are the same sources
// transpiled file by file (no second type-check), and the declarations are copied beside them.
// Source maps embed their sources, since `src/` is not shipped. A type error fails the build,
// prints the errors, and leaves no dist/ behind for that package.
//
// A package's `prebuild` script, when it has one, runs in its directory before it is compiled.
//
// A package is skipped when a hash of what its build reads (its sources without tests, its
// package.json and tsconfig files, this script, the shared tsconfig files, the TypeScript
// version, and the hashes of the packages it uses) matches the one its last build stored in
// node_modules/.cache/dyno-build/, and its dist/ still has every file its `exports` names.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const started = performance.now();
const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = path.join(root, 'packages');
const stampDir = path.join(root, 'node_modules', '.cache', 'dyno-build');
const force = process.argv.includes('--force');

/** @type {Map<string, { name: string, dir: string, json: any, uses: string[] }>} */
const packages = new Map();
for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
  const dir = path.join(packagesDir, entry.name);
  if (!entry.isDirectory() || !existsSync(path.join(dir, 'tsconfig.build.json'))) continue;
  const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  packages.set(json.name, { name: json.name, dir, json, uses: [] });
}
for (const pkg of packages.values()) {
  const { dependencies, peerDependencies, devDependencies } = pkg.json;
  const names = Object.keys({ ...dependencies, ...peerDependencies, ...devDependencies });
  pkg.uses = names.filter((n) => packages.has(n) && n !== pkg.name);
}

// what to build: every package, or those named (a package's directory or name, or another
// workspace directory: the packages its package.json uses), each after the packages it uses
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const wanted = named.length === 0 ? [...packages.values()] : named.flatMap(resolveTarget);
const order = [];
const visiting = new Set();
const visit = (pkg) => {
  if (order.includes(pkg)) return;
  if (visiting.has(pkg)) throw new Error(`dependency cycle through ${pkg.name}`);
  visiting.add(pkg);
  for (const name of pkg.uses) visit(packages.get(name));
  visiting.delete(pkg);
  order.push(pkg);
};
for (const pkg of wanted) visit(pkg);

const shared = [
  'tools/build.mjs',
  'tools/tsconfig.build.json',
  'tsconfig.base.json',
  'node_modules/typescript/package.json',
].map((f) => readFileSync(path.join(root, f)));

/** @type {Map<string, string>} */
const hashes = new Map();
const built = [];
let ts;
for (const pkg of order) {
  let hash = inputHash(pkg);
  hashes.set(pkg.name, hash);
  const stamp = path.join(stampDir, `${path.basename(pkg.dir)}.hash`);
  const current = existsSync(stamp) && readFileSync(stamp, 'utf8') === hash;
  if (current && !force && outputsPresent(pkg)) continue;
  rmSync(stamp, { force: true });
  const prebuild = pkg.json.scripts?.prebuild;
  if (prebuild) {
    // a package's `prebuild` script (say, one that generates a source file) runs first
    try {
      execSync(prebuild, {
        cwd: pkg.dir,
        stdio: 'inherit',
        env: {
          ...process.env,
          PATH: `${path.join(pkg.dir, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
        },
      });
    } catch {
      console.error(`${pkg.name}: prebuild failed (${prebuild})`);
      process.exit(1);
    }
    hash = inputHash(pkg);
    hashes.set(pkg.name, hash);
  }
  ts ??= loadTypeScript();
  if (!build(pkg)) {
    rmSync(path.join(pkg.dir, 'dist'), { recursive: true, force: true });
    console.error(`${pkg.name}: build failed`);
    process.exit(1);
  }
  mkdirSync(stampDir, { recursive: true });
  writeFileSync(stamp, hash);
  built.push(pkg.name);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const skipped = order.length - built.length;
console.log(
  built.length === 0
    ? `${order.length} packages up to date (${seconds} s)`
    : `built ${built.length} package${built.length === 1 ? '' : 's'} (ESM, CommonJS, declarations) in ${seconds} s` +
        (skipped > 0 ? `; ${skipped} up to date` : ''),
);

/** The packages `target` stands for: itself when a package, else the packages it uses. */
function resolveTarget(target) {
  if (packages.has(target)) return [packages.get(target)];
  const dir = path.resolve(target);
  const pkg = [...packages.values()].find((p) => p.dir === dir);
  if (pkg) return [pkg];
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) throw new Error(`${target}: neither a package nor a workspace directory`);
  const { dependencies, peerDependencies, devDependencies } = JSON.parse(
    readFileSync(file, 'utf8'),
  );
  return Object.keys({ ...dependencies, ...peerDependencies, ...devDependencies })
    .filter((n) => packages.has(n))
    .map((n) => packages.get(n));
}

/** A hash of everything the build of `pkg` reads; the packages it uses come first. */
function inputHash(pkg) {
  const h = createHash('sha256');
  for (const content of shared) h.update(content);
  for (const name of pkg.uses) h.update(`${name}=${hashes.get(name)}\n`);
  for (const file of ['package.json', 'tsconfig.build.json', 'tsconfig.json']) {
    const full = path.join(pkg.dir, file);
    h.update(`${file}\n`);
    if (existsSync(full)) h.update(readFileSync(full));
  }
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'test-support') walk(full);
      } else if (!entry.name.endsWith('.test.ts')) {
        h.update(`${path.relative(pkg.dir, full)}\n`);
        h.update(readFileSync(full));
      }
    }
  };
  walk(path.join(pkg.dir, 'src'));
  return h.digest('hex');
}

/** Whether every file the `exports` of `pkg` names is there. */
function outputsPresent(pkg) {
  const targets = JSON.stringify(pkg.json.exports ?? {}).match(/"\.\/dist\/[^"]+"/g) ?? [];
  return [...targets.map((t) => t.slice(1, -1)), './dist/cjs/package.json'].every((t) =>
    existsSync(path.join(pkg.dir, t)),
  );
}

/**
 * TypeScript, with one compiler host whose declaration files (the standard library,
 * @types/node, and the dist/ of packages already built) are parsed once for all programs.
 */
function loadTypeScript() {
  const typescript = require('typescript');
  const declarations = new Map();
  typescript.cachedHost = (options) => {
    const host = typescript.createCompilerHost(options);
    const getSourceFile = host.getSourceFile;
    host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
      if (!fileName.endsWith('.d.ts')) {
        return getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreate);
      }
      const o = languageVersionOrOptions;
      const key =
        typeof o === 'object'
          ? `${o.languageVersion}|${o.impliedNodeFormat}|${fileName}`
          : `${o}|${fileName}`;
      let file = declarations.get(key);
      if (file === undefined) {
        file = getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreate);
        if (file !== undefined) declarations.set(key, file);
      }
      return file;
    };
    return host;
  };
  return typescript;
}

/** Builds `pkg`; false, after printing why, on any error. */
function build(pkg) {
  const dist = path.join(pkg.dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const configFile = path.join(pkg.dir, 'tsconfig.build.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  // what `tsc -p tsconfig.build.json --outDir dist/esm` does: check, then emit despite errors
  const options = { ...config.options, outDir: path.join(dist, 'esm') };
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options,
    host: ts.cachedHost(options),
    projectReferences: config.projectReferences,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
  });
  const diagnostics = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(),
  ];
  if (diagnostics.length === 0) {
    diagnostics.push(...program.getGlobalDiagnostics(), ...program.getSemanticDiagnostics());
  }
  diagnostics.push(...program.emit().diagnostics);
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (diagnostics.length > 0) {
    const formatHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n',
    };
    const format = process.stderr.isTTY
      ? ts.formatDiagnosticsWithColorAndContext
      : ts.formatDiagnostics;
    process.stderr.write(format(ts.sortAndDeduplicateDiagnostics(diagnostics), formatHost));
  }
  if (errors.length > 0) return false;

  const compilerOptions = {
    ...config.options,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    declaration: false,
    declarationMap: false,
  };
  const srcRoot = path.resolve(pkg.dir, config.options.rootDir ?? 'src');
  for (const file of config.fileNames) {
    const relative = path.relative(srcRoot, file).replace(/\.ts$/, '.js');
    const out = path.join(dist, 'cjs', relative);
    const { outputText, sourceMapText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions,
      fileName: file,
    });
    mkdirSync(path.dirname(out), { recursive: true });
    // the map's `sources` must point from dist/cjs/… back to src/…, as tsc's do for dist/esm
    const map = JSON.parse(sourceMapText);
    map.file = path.basename(out);
    map.sources = [path.relative(path.dirname(out), file).split(path.sep).join('/')];
    writeFileSync(out, outputText);
    writeFileSync(`${out}.map`, JSON.stringify(map));
  }
  copyDeclarations(path.join(dist, 'esm'), path.join(dist, 'cjs'));
  writeFileSync(path.join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
  return true;
}

function copyDeclarations(from, to) {
  if (!existsSync(from)) return;
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyDeclarations(source, target);
    else if (/\.d\.ts(\.map)?$/.test(entry.name)) {
      mkdirSync(to, { recursive: true });
      cpSync(source, target);
    }
  }
}
