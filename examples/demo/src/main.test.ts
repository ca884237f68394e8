import {
  buildMissing,
  type ChildRun,
  remove,
  runChild,
  transpileDemo,
} from './test-support/spawn.js';

describe('the demo program', () => {
  let dir = '';
  let run: ChildRun;

  beforeAll(async () => {
    buildMissing();
    dir = transpileDemo();
    run = await runChild(dir, ['--fast'], 60_000);
  }, 240_000);

  afterAll(() => remove(dir));

  it('exits by itself with code 0 after printing its summary (fast mode, as a child process)', () => {
    if (run.code !== 0) console.log(run.stdout, run.stderr);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('summary');
    expect(run.stdout).toContain('demo ok');
    expect(run.stdout).toMatch(/hystrix +http:\/\/127\.0\.0\.1:\d+\/hystrix\.stream/);
    expect(run.stdout).toMatch(/prometheus +http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(run.stdout).toMatch(/breaker closed -> open/);
    expect(run.stdout).toMatch(/breaker half-open -> closed/);
    expect(run.stderr).toBe('');
  });
});
