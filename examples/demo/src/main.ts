// `pnpm demo` runs this (built to dist/main.js); `node dist/main.js --fast` is the 4 s version,
// `pnpm demo -- --serve` keeps serving the dashboard until Ctrl-C; `--adaptive` gives the pool an
// adaptive limit and prints it as it moves.
import { runDemo } from './demo.js';

// `--serve` keeps the upstream under load and the dashboard up after the phases, until Ctrl-C.
const fast = process.argv.includes('--fast');
const adaptive = process.argv.includes('--adaptive');
const serveUntil = process.argv.includes('--serve')
  ? new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
  : undefined;
runDemo({ fast, serveUntil, adaptive }).then(
  (report) => {
    const ok =
      report.settledTwice === 0 &&
      report.unsettled === 0 &&
      report.transitions.includes('closed->open') &&
      report.transitions.at(-1) === 'half-open->closed';
    console.log(ok ? 'demo ok' : 'demo: the run did not show the expected behaviour');
    process.exitCode = ok ? 0 : 1;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
