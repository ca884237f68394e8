import { runDemo } from './demo.js';

describe('the demo in fast mode', () => {
  it('opens the breaker in the outage, probes, closes after recovery, and settles every call once', async () => {
    const lines: string[] = [];
    const fetched: Record<string, string> = {};
    let dashboard = '';
    let stopServing = () => {};
    const serveUntil = new Promise<void>((resolve) => (stopServing = resolve));
    const report = await runDemo({
      fast: true,
      log: (line) => {
        lines.push(line);
        // --serve: after the phases the dashboard is still up until told to stop
        if (line.includes('serving the dashboard')) {
          fetch(dashboard)
            .then((r) => (fetched.served = String(r.status)))
            .finally(stopServing);
        }
      },
      onReady: async (urls) => {
        dashboard = urls.dashboard;
        fetched.metrics = await (await fetch(urls.prometheus)).text();
        fetched.dashboard = String((await fetch(urls.dashboard)).status);
      },
      serveUntil,
    });
    if (report.transitions.at(-1) !== 'half-open->closed') console.log(lines.join('\n'));
    const t = report.transitions;
    const open = t.indexOf('closed->open');
    const probe = t.indexOf('open->half-open', open);
    expect(open).toBeGreaterThanOrEqual(0);
    expect(probe).toBeGreaterThan(open);
    expect(t.indexOf('half-open->closed', probe)).toBeGreaterThan(probe);
    expect(t.at(-1)).toBe('half-open->closed');
    expect(report.started).toBeGreaterThan(100);
    expect(report.settledTwice).toBe(0);
    expect(report.unsettled).toBe(0);
    expect(report.started).toBe(report.succeeded + report.fallbacks + report.failed);
    expect(report.failed).toBe(0);
    expect(report.outcomes.shortCircuited).toBeGreaterThan(0);
    expect(report.outcomes.fallbackSuccess).toBe(report.fallbacks);
    expect(fetched.metrics).toContain('dyno_calls_total');
    expect(fetched.dashboard).toBe('200');
    expect(fetched.served).toBe('200');
    // every row adds up, and the rows together account for every call
    const rows = lines
      .filter((l) => /^ *\d+\.\ds /.test(l))
      .map((l) => l.trim().split(/ +/).slice(2, 8).map(Number));
    expect(rows.length).toBeGreaterThan(3);
    for (const [, done, ok = 0, fallbk = 0, failed = 0] of rows)
      expect(done).toBe(ok + fallbk + failed);
    const sum = (i: number) => rows.reduce((total, row) => total + (row[i] as number), 0);
    expect(sum(0)).toBe(report.started);
    expect(sum(1)).toBe(report.started);
    const times = lines.filter((l) => /^ *\d+\.\ds /.test(l)).map((l) => l.trim().split(' ')[0]);
    expect(new Set(times).size).toBe(times.length);
    expect(lines.some((l) => /healthy→outage/.test(l))).toBe(true);
  }, 30_000);
});

describe('the demo with --adaptive', () => {
  it('prints the pool limit falling during the outage', async () => {
    const lines: string[] = [];
    const report = await runDemo({ fast: true, adaptive: true, log: (line) => lines.push(line) });
    expect(report.limits[0]).toBe(8);
    expect(Math.min(...report.limits)).toBeLessThan(8);
    expect(Math.min(...report.limits)).toBeGreaterThanOrEqual(2);
    expect(lines.some((line) => line.includes('pool limit 8 ->'))).toBe(true);
    expect(report.unsettled).toBe(0);
  });
});
