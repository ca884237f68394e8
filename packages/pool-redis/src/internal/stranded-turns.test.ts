import { StrandedTurns } from './stranded-turns.js';

describe('StrandedTurns', () => {
  it('gives the newest turn first, whatever order they came in, and forgets expired ones', () => {
    const turns = new StrandedTurns();
    turns.add('k', 200, 1_000, 0);
    turns.add('k', 300, 1_000, 0);
    turns.add('k', 100, 50, 0);
    expect(turns.take('k', 10)).toBe(300);
    expect(turns.take('k', 10)).toBe(200);
    // its turn would have come by now
    expect(turns.take('k', 60)).toBeUndefined();
    expect(turns.take('k', 60)).toBeUndefined();
  });

  it('drops the expired turns of a key as new ones come, so a key never drained stays small', () => {
    const turns = new StrandedTurns();
    for (let i = 0; i < 1_000; i++) turns.add('k', i, i + 10, i);
    let kept = 0;
    // read back as if no time had passed: only what is still kept comes out
    while (turns.take('k', 0) !== undefined) kept++;
    expect(kept).toBe(10);
  });
});
