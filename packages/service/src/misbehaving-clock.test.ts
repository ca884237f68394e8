import { FailingClock, listenerReports, OddClock } from '@dyno/core/testing';
import { service } from './service.js';

// A clock of the user's that misbehaves after the service was built: each reading the service
// and its parts take goes through one steady clock (core's `steadyClock`), so a bad reading
// counts as no time passed instead of failing the call.
describe('service on a clock that misbehaves', () => {
  it.each([
    ['NaN', () => Number.NaN],
    ['undefined', () => undefined],
    ['a string', () => '5'],
    ['a day back', (t: number) => t - 86_400_000],
  ])('answers its calls, and counts them, when now() reads %s', async (_what, read) => {
    const clock = new OddClock(1_000);
    const s = service(async (_context, n: number) => n * 2, { clock, timeout: 100 });
    expect(await s(1)).toBe(2);
    clock.read = read;
    const answers: unknown[] = [];
    await listenerReports(async () => {
      answers.push(await s(2), await s(3));
    });
    expect(answers).toEqual([4, 6]);
    const snapshot = s.metrics?.snapshot();
    expect(snapshot?.counts.success).toBe(3);
    // a latency read across the bad readings is never negative nor NaN
    expect(snapshot?.latency.totalCount).toBe(3);
    expect(snapshot?.latency.totalSum).toBeGreaterThanOrEqual(0);
    s.dispose();
  });

  it('answers its calls when now() throws, and reports it once', async () => {
    const clock = new FailingClock();
    const s = service(async () => 'ok', { name: 'quotes', clock });
    expect(await s()).toBe('ok');
    clock.failing = true;
    const answers: unknown[] = [];
    const reports = await listenerReports(async () => {
      answers.push(await s(), await s());
    });
    expect(answers).toEqual(['ok', 'ok']);
    // a run of bad readings is reported once
    expect(reports.map((r) => [r.error, r.source])).toEqual([
      ['clock broken', '@dyno/service "quotes" clock'],
    ]);
    s.dispose();
  });

  it('refuses at construction a clock whose now() cannot read the time', () => {
    const { now } = performance;
    expect(() => service(async () => 'ok', { clock: { now, setTimeout, clearTimeout } })).toThrow(
      /^@dyno\/service: option `clock` must read the time, but its now\(\) failed/,
    );
    const clock = new OddClock();
    clock.read = () => Number.NaN;
    expect(() => service(async () => 'ok', { clock })).toThrow(
      new TypeError(
        '@dyno/service: option `clock` must have a now() that returns a finite number of ms; it returned NaN',
      ),
    );
  });
});
