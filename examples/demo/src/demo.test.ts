import { runDemo } from './demo.js';

describe('the demo in fast mode', () => {
  it('opens the breaker in the outage, probes, closes after recovery, and settles every call once', async () => {
    const lines: string[] = [];
    const fetched: Record<string, string> = {};
    const report = await runDemo({
      fast: true,
      log: (line) => lines.push(line),
      onReady: async (urls) => {
        fetched.metrics = await (await fetch(urls.prometheus)).text();
        fetched.dashboard = String((await fetch(urls.dashboard)).status);
      },
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
  }, 30_000);
});
