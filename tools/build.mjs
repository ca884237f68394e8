// Builds the package in the current directory to ESM (dist/esm) and CommonJS (dist/cjs), each
// with declarations, so `import` and `require` both get matching types. `tsc` runs once: it
// type-checks, emits ESM and the declarations; the CommonJS files are the same sources
// transpiled in this process (no second type-check), and the declarations are copied beside
// them. Source maps embed their sources, since `src/` is not shipped.
import { execFileSync } from 'node:child_process';
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

const require = createRequire(import.meta.url);
const ts = require('typescript');
const tsc = require.resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', 'dist/esm'], {
  stdio: 'inherit',
});

const config = ts.getParsedCommandLineOfConfigFile(
  'tsconfig.build.json',
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
);
const compilerOptions = {
  ...config.options,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  declaration: false,
  declarationMap: false,
};
const srcRoot = path.resolve(config.options.rootDir ?? 'src');
for (const file of config.fileNames) {
  const relative = path.relative(srcRoot, file).replace(/\.ts$/, '.js');
  const out = path.join('dist/cjs', relative);
  const { outputText, sourceMapText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
  });
  mkdirSync(path.dirname(out), { recursive: true });
  // the map's `sources` must point from dist/cjs/… back to src/…, as tsc's do for dist/esm
  const map = JSON.parse(sourceMapText);
  map.file = path.basename(out);
  map.sources = [
    path
      .relative(path.dirname(path.resolve(out)), file)
      .split(path.sep)
      .join('/'),
  ];
  writeFileSync(out, outputText);
  writeFileSync(`${out}.map`, JSON.stringify(map));
}
copyDeclarations('dist/esm', 'dist/cjs');
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');

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
