// Child process entry: `node --expose-gc src/scenario.mjs <scenario>` or
// `node --expose-gc src/scenario.mjs memory <adapter>`. Prints one line `@@RESULT <json>`.
import { installTimerCounter } from './harness.mjs';

// Before any library loads, so timers made at load time or captured references are seen.
const timers = installTimerCounter();

const [name, lib] = process.argv.slice(2);
const { loadAdapter, loadAll } = await import('./adapters/index.mjs');
const { SCENARIOS, memoryOf } = await import('./scenarios.mjs');

let result;
if (name === 'memory') {
  result = await memoryOf(await loadAdapter(lib), timers);
} else {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`bench: unknown scenario ${name}`);
  result = await scenario.run(await loadAll());
}
process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
// Some peers leave timers behind (that is measured separately by the exit check), so leave now.
process.exit(0);
