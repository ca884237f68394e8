import { Ring } from './ring.js';

describe('Ring', () => {
  it('is a FIFO that grows past its first capacity and wraps around', () => {
    const ring = new Ring<number>();
    expect(ring.shift()).toBeUndefined();
    expect(ring.peek()).toBeUndefined();
    for (let i = 0; i < 10; i++) ring.push(i);
    for (let i = 0; i < 8; i++) expect(ring.shift()).toBe(i);
    for (let i = 10; i < 50; i++) ring.push(i);
    expect(ring.size).toBe(42);
    expect(ring.peek()).toBe(8);
    ring.filter((n) => n % 2 === 0);
    const out: number[] = [];
    for (let n = ring.shift(); n !== undefined; n = ring.shift()) out.push(n);
    expect(out).toEqual(Array.from({ length: 21 }, (_, i) => 8 + 2 * i));
  });
});
