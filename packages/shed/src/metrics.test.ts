import { ManualClock } from '@dyno/core/testing';
import { Metrics, prometheusText } from '@dyno/metrics';
import { waitFor } from '@dyno-tools/testing';
import { Shedder } from './shedder.js';
import { serve } from './test-support/http.js';

describe('Shedder observed by @dyno/metrics', () => {
  it('counts admitted requests by priority and shed ones by reason and priority, over real HTTP', async () => {
    const clock = new ManualClock();
    const shedder = new Shedder({
      name: 'edge',
      concurrency: 1,
      maxEventLoopDelay: false,
      priority: (request) =>
        request.url === '/healthz' ? 'health' : request.url === '/batch' ? 'sheddable' : 'critical',
      clock,
    });
    const metrics = new Metrics({ name: 'api', clock });
    metrics.observe(shedder);
    metrics.observe(shedder.pool);
    let release = (): void => undefined;
    const server = await serve(
      shedder.handle((request, response) => {
        if (request.url === '/slow') release = () => response.end('done');
        else response.end('ok');
      }),
    );
    try {
      const slow = server.get('/slow');
      await waitFor(() => shedder.active === 1, 'the slot taken');
      expect((await server.get('/batch')).status).toBe(503);
      expect((await server.get('/other')).status).toBe(503);
      expect((await server.get('/healthz')).status).toBe(200);
      release();
      await slow;
      await waitFor(() => shedder.active === 0, 'the slot freed');
      shedder.close();
      expect((await server.get('/other')).status).toBe(503);

      const s = metrics.snapshot();
      expect(s.shed).toMatchObject({
        name: 'edge',
        admitted: 2,
        refused: 3,
        admittedBy: { health: 1, critical: 1, sheddable: 0 },
        refusedBy: {
          limit: { critical: 1, sheddable: 1 },
          'event-loop': { critical: 0, sheddable: 0 },
          closed: { critical: 1, sheddable: 0 },
        },
      });
      // the counts agree with the shedder's own
      expect([s.shed?.totals.admitted, s.shed?.totals.refused]).toEqual([
        shedder.admitted,
        shedder.shed,
      ]);
      expect(s.pool).toMatchObject({ name: 'edge', limit: 1, active: 0 });
      const text = prometheusText(metrics);
      expect(text).toContain(
        'dyno_shed_admitted_total{name="api",shedder="edge",priority="critical"} 1\n',
      );
      expect(text).toContain(
        'dyno_shed_refused_total{name="api",shedder="edge",reason="closed",priority="critical"} 1\n',
      );
    } finally {
      release();
      await server.close();
      shedder.close();
      metrics.dispose();
    }
  });
});
