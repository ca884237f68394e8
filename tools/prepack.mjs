// `prepack` of every package: refuse to pack a package that has not been built, since `pnpm pack`
// would otherwise make a tarball without `dist/` and say nothing.
import { existsSync, readFileSync } from 'node:fs';

const { name, exports: entries } = JSON.parse(readFileSync('package.json', 'utf8'));
const missing = Object.values(entries)
  .flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)))
  .flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))
  .filter((file) => file.startsWith('./dist/') && !existsSync(file));
if (missing.length > 0) {
  console.error(`${name}: not built (missing ${missing.join(', ')}); run \`pnpm build\` first.`);
  process.exit(1);
}
