// Writes the API reference, docs/api/, with TypeDoc from the doc comments in the sources: one
// Markdown page per entry point (`docs/api/@dyno/retry.md`, `docs/api/@dyno/core/testing.md`),
// committed so it reads on GitHub without a site to host it, and checked for freshness by
// tools/integration/test/api-docs.test.ts. One TypeScript program over every package's sources,
// no build and no type-check (`pnpm typecheck` does that).
//
//   node tools/integration/scripts/api-docs.mjs            rewrite docs/api/ (pnpm docs:api)
//   node tools/integration/scripts/api-docs.mjs --out DIR  write it to DIR instead
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, LogLevel } from 'typedoc';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const packagesDir = path.join(root, 'packages');
const args = process.argv.slice(2);
const out = args[0] === '--out' ? path.resolve(args[1]) : path.join(root, 'docs', 'api');

// entry point source -> import specifier, from each package.json's `exports`
const specifiers = new Map();
for (const dir of readdirSync(packagesDir).sort()) {
  let json;
  try {
    json = JSON.parse(readFileSync(path.join(packagesDir, dir, 'package.json'), 'utf8'));
  } catch {
    continue; // a folder that is not (yet) a package
  }
  for (const [key, target] of Object.entries(json.exports ?? {})) {
    if (key === './package.json') continue;
    const types = target.import?.types ?? target.types;
    const source = types.replace(/^\.\/dist\/esm\//, 'src/').replace(/\.d\.ts$/, '.ts');
    const file = path.join(packagesDir, dir, source);
    if (existsSync(file)) specifiers.set(file, json.name + key.slice(1));
    else console.warn(`api-docs: skipping ${json.name + key.slice(1)}: no ${source} yet`);
  }
}

const started = Date.now();
const app = await Application.bootstrapWithPlugins({
  entryPoints: [...specifiers.keys()],
  entryPointStrategy: 'resolve',
  tsconfig: path.join(here, 'tsconfig.docs.json'),
  plugin: ['typedoc-plugin-markdown'],
  out,
  name: 'Dyno API reference',
  readme: 'none',
  // what makes the output the same on every machine and commit
  disableSources: true,
  hideGenerator: true,
  skipErrorChecking: true,
  excludePrivate: true,
  excludeInternal: true,
  logLevel: LogLevel.Warn,
  treatWarningsAsErrors: true,
  // typedoc-plugin-markdown: a page per entry point, members in tables
  outputFileStrategy: 'modules',
  hideBreadcrumbs: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  enumMembersFormat: 'table',
});
const project = await app.convert();
if (project === undefined) process.exit(1);
// name each page after its import specifier, not its path (`retry/src`)
for (const module of project.children ?? []) {
  const file = project.getSymbolIdFromReflection(module)?.fileName;
  const specifier = file && specifiers.get(path.resolve(file));
  if (specifier === undefined) throw new Error(`api-docs: no package for module ${module.name}`);
  module.name = specifier;
}
rmSync(out, { recursive: true, force: true });
await app.generateOutputs(project);
// written all the same, so the pages can be looked at; the test fails on any warning
if (app.logger.hasErrors() || app.logger.hasWarnings()) {
  console.error('api-docs: TypeDoc reported the problems above: fix the doc comments');
  process.exit(1);
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `api-docs: ${specifiers.size} pages written to ${path.relative(root, out)} in ${seconds} s`,
);
