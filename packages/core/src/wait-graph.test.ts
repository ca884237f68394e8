import { WaitGraph } from './wait-graph.js';

describe('WaitGraph', () => {
  it('names the cycle a join would close after an await, and lets a diamond through', async () => {
    const graph = new WaitGraph<string>();
    const a = graph.open('a');
    const seen: (string[] | undefined)[] = [];
    await graph.run(a, async () => {
      await Promise.resolve();
      const b = graph.open('b');
      await graph.run(b, async () => {
        await Promise.resolve();
        // b's code joins a, which waits on b: a cycle
        seen.push(graph.join(a));
      });
      const c = graph.open('c');
      graph.close(c);
      // a joins a closed build: nothing waits on anything there
      seen.push(graph.join(c));
      graph.close(b);
    });
    expect(seen).toEqual([['a', 'b', 'a'], undefined]);
    expect(graph.inFlight).toBe(1);
    graph.close(a);
    graph.close(a);
    expect(graph.inFlight).toBe(0);
  });

  it('records a join that closes no cycle, and finds it on the next one', async () => {
    const graph = new WaitGraph<string>();
    const x = graph.open('x');
    const y = graph.open('y');
    let second: string[] | undefined = ['not asked'];
    await graph.run(x, async () => {
      await Promise.resolve();
      expect(graph.join(y)).toBeUndefined();
    });
    await graph.run(y, async () => {
      await Promise.resolve();
      second = graph.join(x);
    });
    expect(second).toEqual(['x', 'y', 'x']);
    // code outside every build joins without a cycle
    expect(graph.join(x)).toBeUndefined();
    graph.close(x);
    graph.close(y);
  });

  it('gives the chain from a target’s build down to the code running now', () => {
    const graph = new WaitGraph<string>();
    const slot = {};
    const outer = graph.open('outer', slot);
    const chain = graph.run(outer, () => {
      const inner = graph.open('inner');
      return graph.run(inner, () => [graph.chainTo(slot), graph.chainTo({})]);
    });
    expect(chain).toEqual([['outer', 'inner'], undefined]);
  });
});
