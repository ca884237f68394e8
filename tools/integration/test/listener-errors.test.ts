import { spawnSync } from 'node:child_process';
import path from 'node:path';

describe('a process whose user callbacks throw', () => {
  it('goes on: the caller catches its own error and each failure is a DynoListenerWarning', () => {
    const script = path.join(__dirname, '..', 'faults', 'throwing-listeners.mjs');
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 10_000 });
    expect(child.stdout.split('\n').filter(Boolean)).toEqual([
      'caught the original error',
      'emit returned',
      'abort returned',
      'still alive',
    ]);
    expect(child.status).toBe(0);
    const warnings = child.stderr.match(/DynoListenerWarning: .* threw: Error: [a-z ]+/g);
    expect(warnings).toEqual([
      'DynoListenerWarning: @dyno/harness logger of load threw: Error: log transport closed',
      'DynoListenerWarning: @dyno/integration onThing threw: Error: listener bug',
      'DynoListenerWarning: an abort listener threw: Error: abort listener bug',
    ]);
  });
});
