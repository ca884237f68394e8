// Loads every package through its built entry point, uses each once, and then simply returns:
// the process must exit by itself, with no timer, listener or handle left behind.
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const files = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run-all.mjs');
process.on('unhandledRejection', (reason) => {
  console.error('unhandled rejection', reason);
  process.exitCode = 2;
});
for (const file of files.sort()) {
  const { use } = await import(new URL(file, here).href);
  await use();
  console.log(`used ${file.replace('.mjs', '')}`);
}
