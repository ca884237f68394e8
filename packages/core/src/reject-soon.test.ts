import { inspect } from 'node:util';
import { rejectSoon } from './reject-soon.js';
import { NON_ERRORS } from './testing/index.js';

describe('rejectSoon', () => {
  it('is still pending when returned, then rejects with the reason', async () => {
    const reason = new Error('refused');
    const p = rejectSoon(reason);
    const control = Promise.reject(reason);
    const seen = [inspect(p), inspect(control)];
    control.catch(() => undefined);
    await expect(p).rejects.toBe(reason);
    expect(seen[0]).toMatch(/^Promise \{\s*<pending>/);
    // what the test tells apart: one rejected at birth
    expect(seen[1]).toMatch(/^Promise \{\s*<rejected>/);
  });

  it.each(NON_ERRORS)('rejects with %s as given', async (_name, value) => {
    await expect(rejectSoon(value)).rejects.toBe(value);
  });
});
