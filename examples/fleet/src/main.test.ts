import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = join(__dirname, '..');

// Builds and runs the example as `pnpm start` does (it forks compiled workers), and reads its
// output: the fleet limit holds and the quorum isolates only the process that did not fail.
describe('fleet example', () => {
  it('shows one limit for the fleet and isolation by quorum', async () => {
    await run(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: dir,
      },
    );
    const { stdout } = await run(process.execPath, ['dist/main.js'], { cwd: dir, timeout: 60_000 });
    const total = Number(/admitted in all: (\d+)/.exec(stdout)?.[1]);
    expect(total).toBeGreaterThan(40);
    expect(total).toBeLessThanOrEqual(61);
    expect(stdout).toContain('states: open, closed, closed, closed');
    expect(stdout).toContain('states: open, open, isolated, isolated');
    expect(stdout).toContain('states: closed, closed, closed, closed');
  }, 60_000);
});
