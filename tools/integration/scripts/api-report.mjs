// Writes the public API report of every package: `api/<dir>.api.md`, one TypeScript block per
// entry point (`@dyno/core`, `@dyno/core/testing`, ...) listing what that entry exports, as
// declarations without doc comments or private members, sorted by exported name, followed by the
// types the exports use but do not export. A change to the public API changes the report, so it
// shows in review; tools/integration/test/api-report.test.ts fails when a report is out of date.
//
// One TypeScript program over every package's sources emits the declarations in memory (no
// build, no type-check: `pnpm typecheck` does that), and a second program over those
// declarations resolves each entry's exports. Both use the workspace's own TypeScript.
//
//   node tools/integration/scripts/api-report.mjs            rewrite api/*.api.md (pnpm api:update)
//   node tools/integration/scripts/api-report.mjs --out DIR  write the reports to DIR instead
//   node tools/integration/scripts/api-report.mjs --release  copy api/*.api.md to api/released/
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

const require = createRequire(import.meta.url);
const ts = require('typescript');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const apiDir = path.join(root, 'api');
const releasedDir = path.join(apiDir, 'released');
const packagesDir = path.join(root, 'packages');
const slash = (file) => file.split(path.sep).join('/');

/** Every public package with its entry points: `{ dir, name, entries: [{ specifier, source }] }`. */
function listPackages() {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(packagesDir, d.name, 'package.json')))
    .map((d) => {
      const dir = path.join(packagesDir, d.name);
      const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const entries = Object.entries(json.exports ?? {})
        .filter(([key]) => key !== './package.json')
        .map(([key, target]) => {
          const types = target.import?.types ?? target.types;
          const relative = types.replace(/^\.\/dist\/esm\//, 'src/').replace(/\.d\.ts$/, '.ts');
          return { specifier: json.name + key.slice(1), source: path.join(dir, relative) };
        })
        .filter((entry) => {
          if (existsSync(entry.source)) return true;
          console.warn(
            `api: skipping ${entry.specifier}: no ${path.relative(root, entry.source)} yet`,
          );
          return false;
        });
      return { dir: d.name, name: json.name, entries };
    })
    .filter((pkg) => pkg.entries.length > 0)
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/** The compiler options of tsconfig.base.json, for emitting declarations only. */
function baseOptions() {
  const file = path.join(root, 'tsconfig.base.json');
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options, errors } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
  if (errors.length > 0) throw new Error(ts.flattenDiagnosticMessageText(errors[0].messageText));
  return { ...options, types: ['node'], skipLibCheck: true, noCheck: true };
}

/** Declarations of every package, emitted in memory beside their sources. */
function emitDeclarations(packages) {
  const options = {
    ...baseOptions(),
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
  };
  const roots = packages.flatMap((p) => p.entries.map((e) => e.source));
  const program = ts.createProgram(roots, options);
  const out = new Map();
  program.emit(undefined, (file, text) => out.set(path.resolve(file), text), undefined, true);
  return out;
}

/** A program over the emitted declarations only, with @dyno/* mapped to them. */
function declarationProgram(packages, declarations) {
  const paths = {};
  for (const p of packages) {
    for (const e of p.entries) paths[e.specifier] = [e.source.replace(/\.ts$/, '.d.ts')];
  }
  const options = { ...baseOptions(), noEmit: true, baseUrl: root, paths };
  const host = ts.createCompilerHost(options);
  const hidden = (file) =>
    slash(path.resolve(file)).startsWith(`${slash(packagesDir)}/`) && /\/src\//.test(slash(file));
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) =>
    declarations.has(path.resolve(file)) || (!hidden(file) && fileExists.call(host, file));
  host.readFile = (file) =>
    declarations.get(path.resolve(file)) ?? (hidden(file) ? undefined : readFile.call(host, file));
  host.getSourceFile = (file, language, ...rest) => {
    const text = declarations.get(path.resolve(file));
    if (text !== undefined) return ts.createSourceFile(file, text, language, true);
    return getSourceFile.call(host, file, language, ...rest);
  };
  const roots = packages.flatMap((p) => p.entries.map((e) => e.source.replace(/\.ts$/, '.d.ts')));
  return ts.createProgram(roots, options, host);
}

/** The package directory name (`retry`) a declaration file belongs to, or undefined. */
function ownerOf(node) {
  const file = slash(path.resolve(node.getSourceFile().fileName));
  const prefix = `${slash(packagesDir)}/`;
  if (!file.startsWith(prefix) || !file.includes('/src/')) return undefined;
  return file.slice(prefix.length).split('/')[0];
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

function isPrivate(member) {
  return (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private) !== 0;
}

/** One declaration as text: no comments, no private members, no `export`/`default` keywords. */
function print(decl) {
  const sf = decl.getSourceFile();
  let node = decl;
  if (ts.isVariableDeclaration(decl)) {
    const list = decl.parent;
    const keyword =
      list.flags & ts.NodeFlags.Const ? 'const' : list.flags & ts.NodeFlags.Let ? 'let' : 'var';
    return `declare ${keyword} ${printer.printNode(ts.EmitHint.Unspecified, decl, sf)};`;
  }
  if (ts.isClassDeclaration(decl)) {
    node = ts.factory.updateClassDeclaration(
      decl,
      decl.modifiers,
      decl.name,
      decl.typeParameters,
      decl.heritageClauses,
      decl.members.filter((m) => !isPrivate(m)),
    );
  }
  return printer.printNode(ts.EmitHint.Unspecified, node, sf).replace(/^export (default )?/, '');
}

/** The report of one package: a heading and one TypeScript block per entry point. */
function report(pkg, checker, program, publicName) {
  const sections = [];
  for (const entry of pkg.entries) {
    const sf = program.getSourceFile(entry.source.replace(/\.ts$/, '.d.ts'));
    if (sf === undefined)
      throw new Error(`${entry.specifier}: no declarations for ${entry.source}`);
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    const exported = new Set(exports.map((s) => resolve(checker, s)));
    const imports = new Map(); // specifier -> Set of names
    const local = [];
    const reexports = [];
    const forgotten = new Map(); // symbol -> text
    const queue = [];

    const reference = (symbol) => {
      const target = resolve(checker, symbol);
      for (const decl of target.declarations ?? []) {
        const owner = ownerOf(decl);
        if (owner === undefined || ts.isTypeParameterDeclaration(decl)) return;
        if (owner !== pkg.dir) {
          const from = publicName.get(target) ?? `@dyno/${owner} (not exported)`;
          if (!imports.has(from)) imports.set(from, new Set());
          imports.get(from).add(target.getName());
          return;
        }
        if (!exported.has(target) && !forgotten.has(target) && isTopLevel(decl)) {
          forgotten.set(target, undefined);
          queue.push(target);
        }
        return;
      }
    };
    const walk = (node) => {
      const name = ts.isTypeReferenceNode(node)
        ? node.typeName
        : ts.isExpressionWithTypeArguments(node)
          ? node.expression
          : ts.isTypeQueryNode(node)
            ? node.exprName
            : ts.isComputedPropertyName(node) && ts.isIdentifier(node.expression)
              ? node.expression
              : undefined;
      if (name !== undefined) {
        const symbol = checker.getSymbolAtLocation(
          ts.isQualifiedName(name) ? leftmost(name) : name,
        );
        if (symbol !== undefined) reference(symbol);
      }
      ts.forEachChild(node, walk);
    };

    for (const symbol of [...exports].sort((a, b) => compare(a.getName(), b.getName()))) {
      const target = resolve(checker, symbol);
      const decls = target.declarations ?? [];
      const owner = decls.length > 0 ? ownerOf(decls[0]) : pkg.dir;
      if (owner !== pkg.dir) {
        const from = publicName.get(target) ?? `@dyno/${owner}`;
        const alias = target.getName() === symbol.getName() ? '' : `${target.getName()} as `;
        reexports.push(`export { ${alias}${symbol.getName()} } from '${from}';`);
        continue;
      }
      const texts = decls.map((d) => `export ${print(d)}`);
      if (target.getName() !== symbol.getName()) {
        texts.push(`export { ${target.getName()} as ${symbol.getName()} };`);
      }
      local.push(texts.join('\n'));
      for (const d of decls) walk(d);
    }
    while (queue.length > 0) {
      const target = queue.shift();
      const decls = target.declarations ?? [];
      forgotten.set(target, decls.map(print).join('\n'));
      for (const d of decls) walk(d);
    }

    const lines = [];
    for (const [from, names] of [...imports].sort(([a], [b]) => compare(a, b))) {
      lines.push(`import { ${[...names].sort(compare).join(', ')} } from '${from}';`);
    }
    if (lines.length > 0) lines.push('');
    for (const text of reexports) lines.push(text);
    if (reexports.length > 0) lines.push('');
    for (const text of local) lines.push(text, '');
    const hidden = [...forgotten].sort(([a], [b]) => compare(a.getName(), b.getName()));
    if (hidden.length > 0) {
      lines.push('// Not exported, but part of the API through the declarations above:', '');
      for (const [, text] of hidden) lines.push(text, '');
    }
    while (lines.at(-1) === '') lines.pop();
    const heading = pkg.entries.length > 1 ? `### "${entry.specifier}"\n\n` : '';
    sections.push(`${heading}\`\`\`ts\n${lines.join('\n')}\n\`\`\`\n`);
  }
  return [
    `## API Report File for "${pkg.name}"`,
    '',
    '> Do not edit this file. It is written by `pnpm api:update` from the sources: every export of',
    '> every entry point, without doc comments or private members. A change here is a change to the',
    '> public API and needs a changeset (`breaking:` when a line is removed or changed).',
    '',
    sections.join('\n'),
  ].join('\n');
}

function resolve(checker, symbol) {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function leftmost(name) {
  return ts.isQualifiedName(name) ? leftmost(name.left) : name;
}

function isTopLevel(decl) {
  const statement = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  return ts.isSourceFile(statement.parent);
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The reports of every package, by directory name. */
function generate() {
  const packages = listPackages();
  const program = declarationProgram(packages, emitDeclarations(packages));
  const checker = program.getTypeChecker();
  // where each exported symbol can be imported from, for references across packages
  const publicName = new Map();
  for (const pkg of packages) {
    for (const entry of pkg.entries) {
      const sf = program.getSourceFile(entry.source.replace(/\.ts$/, '.d.ts'));
      const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
      if (moduleSymbol === undefined) continue;
      for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
        const target = resolve(checker, symbol);
        if (!publicName.has(target)) publicName.set(target, entry.specifier);
      }
    }
  }
  return new Map(packages.map((pkg) => [pkg.dir, report(pkg, checker, program, publicName)]));
}

function writeAll(dir, reports) {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.api.md')) rmSync(path.join(dir, file));
  }
  for (const [name, text] of reports) writeFileSync(path.join(dir, `${name}.api.md`), text);
}

const args = process.argv.slice(2);
if (args[0] === '--release') {
  // after `changeset version`: the reports as released are the baseline for the next changes
  rmSync(releasedDir, { recursive: true, force: true });
  mkdirSync(releasedDir, { recursive: true });
  for (const file of readdirSync(apiDir).filter((f) => f.endsWith('.api.md'))) {
    cpSync(path.join(apiDir, file), path.join(releasedDir, file));
  }
  console.log(`api: ${slash(path.relative(root, releasedDir))}/ now holds the released reports`);
} else {
  const started = Date.now();
  const out = args[0] === '--out' ? path.resolve(args[1]) : apiDir;
  const reports = generate();
  writeAll(out, reports);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `api: ${reports.size} reports written to ${slash(path.relative(root, out)) || '.'} in ${seconds} s`,
  );
}
