import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const usage = path.join(__dirname, '..', 'usage');

describe('a process that used every package', () => {
  it('exits by itself within 2 s, cleanly', async () => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(usage, 'run-all.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('exit', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    const took = performance.now() - started;
    expect(out).not.toMatch(/unhandled|Warning/);
    expect(code).toBe(0);
    expect(took).toBeLessThan(2000);
    const used = readdirSync(usage).filter((f) => f !== 'run-all.mjs').length;
    expect(out.match(/^used /gm)).toHaveLength(used);
  });
});
