import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

// Every runnable example runs as its README says (`pnpm start`: compile against the built
// packages, then run), prints something, and exits by itself with code 0 and no warning.
// (The demo has its own `pnpm demo` and is run by examples/demo's tests.)

const root = path.join(__dirname, '..', '..', '..');
const run = promisify(execFile);

const examples = readdirSync(path.join(root, 'examples'))
  .map((d) => path.join(root, 'examples', d))
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  .filter((dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts?.start);

describe('examples', () => {
  it('there are runnable examples', () => {
    expect(examples.map((d) => path.basename(d))).toEqual(
      expect.arrayContaining(['basics', 'injection']),
    );
  });

  it.each(examples.map((dir) => [path.basename(dir), dir] as const))(
    '%s runs with `pnpm start` and exits cleanly',
    async (_name, dir) => {
      const { stdout, stderr } = await run('pnpm', ['run', '--silent', 'start'], {
        cwd: dir,
        timeout: 120_000,
        killSignal: 'SIGKILL',
      }).catch((error: { message: string; stdout?: string; stderr?: string }) => {
        throw new Error(
          `pnpm start failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`,
        );
      });
      expect(stdout.trim()).not.toBe('');
      expect(stderr).not.toMatch(/warning|unhandled|error/i);
    },
  );
});
