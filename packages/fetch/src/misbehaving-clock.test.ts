import { listenerReports, OddClock } from '@dyno/core/testing';
import { TimeoutError } from '@dyno/pool';
import { resilientFetch } from './resilient-fetch.js';

// A clock of the user's that misbehaves after the client was built: the client and every part it
// builds read one steady clock (core's `steadyClock`), so a bad reading counts as no time passed.
describe('resilientFetch on a clock that misbehaves', () => {
  it.each([
    ['NaN', () => Number.NaN],
    ['undefined', () => undefined],
    ['a string', () => '5'],
  ])(
    'answers, and times a hung attempt out at its timeout, when now() reads %s',
    async (_what, read) => {
      const clock = new OddClock(1_000);
      let hang = false;
      const fetch = jest.fn(async () =>
        hang ? new Promise<Response>(() => {}) : new Response('ok', { status: 200 }),
      );
      const client = resilientFetch({
        clock,
        fetch,
        timeout: 1_000,
        attemptTimeout: 300,
        retry: false,
      });
      clock.read = read;
      const answers: unknown[] = [];
      await listenerReports(async () => {
        answers.push(await (await client('http://example.test/a')).text());
        hang = true;
        const call = client('http://example.test/b').catch((e: unknown) => e);
        await clock.advance(299);
        answers.push(fetch.mock.calls.length);
        await clock.advance(1);
        answers.push(await call);
      });
      expect(answers.slice(0, 2)).toEqual(['ok', 2]);
      expect(TimeoutError.isInstance(answers[2])).toBe(true);
      expect(answers[2]).toMatchObject({ timeout: 300 });
      expect(clock.pending).toBe(0);
    },
  );

  it('refuses at construction a clock whose now() reads no time', () => {
    const clock = new OddClock();
    clock.read = () => undefined;
    expect(() => resilientFetch({ clock })).toThrow(
      new TypeError(
        '@dyno/fetch: option `clock` must have a now() that returns a finite number of ms; it returned undefined',
      ),
    );
  });
});
