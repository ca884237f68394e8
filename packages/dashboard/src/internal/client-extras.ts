/**
 * The page script's Dyno extras of a circuit card: what the stream's `dyno*` fields of a
 * `HystrixCommand` say about an observed fleet circuit (and whether it isolates this breaker),
 * a fleet rate limiter, HTTP status classes and hedges. A stream without them (Hystrix's own)
 * shows none of these lines. Plain ES2020 in a string, like `CLIENT_VIEW`: no backtick, no
 * dollar-brace.
 */
export const CLIENT_EXTRAS = `
const has = (d, key) => typeof d[key] === 'number';

function readExtras(d) {
  return {
    fleet: has(d, 'dynoFleetMembers') ? {
      live: n(d.dynoFleetMembers),
      open: n(d.dynoFleetOpen),
      isolating: d.dynoFleetIsolating === true,
      connected: d.dynoFleetConnected !== false,
    } : null,
    rate: has(d, 'dynoRateAdmitted') ? {
      admitted: n(d.dynoRateAdmitted),
      refused: n(d.dynoRateRefused),
      fallback: n(d.dynoRateFallback),
      redisErrors: n(d.dynoRateRedisErrors),
    } : null,
    http: has(d, 'dynoHttp2xx') ? ['2xx', '3xx', '4xx', '5xx'].map((c) => [c, n(d['dynoHttp' + c])]) : null,
    hedge: has(d, 'dynoHedges') ? {
      hedges: n(d.dynoHedges),
      wins: n(d.dynoHedgeWins),
      refused: n(d.dynoHedgeRefused),
    } : null,
  };
}

function drawExtras(p, x) {
  p.fleetFacts.hidden = x.fleet === null;
  if (x.fleet !== null) {
    setText(p.fleetOpen, count(x.fleet.open));
    setText(p.fleetLive, count(x.fleet.live));
    p.fleetIsolating.hidden = !x.fleet.isolating;
    p.fleetAlone.hidden = x.fleet.connected;
  }
  p.rateFacts.hidden = x.rate === null;
  if (x.rate !== null) {
    setText(p.rateAdmitted, count(x.rate.admitted));
    setText(p.rateRefused, count(x.rate.refused));
    p.rateRedisFact.hidden = x.rate.redisErrors === 0 && x.rate.fallback === 0;
    setText(p.rateRedisErrors, count(x.rate.redisErrors));
    setText(p.rateFallback, count(x.rate.fallback));
  }
  p.httpFacts.hidden = x.http === null;
  if (x.http !== null) {
    for (const pair of x.http) setText(p['http' + pair[0]], count(pair[1]));
    p.http5xxFact.classList.toggle('warn', x.http[3][1] > 0);
  }
  p.hedgeFacts.hidden = x.hedge === null;
  if (x.hedge !== null) {
    setText(p.hedges, count(x.hedge.hedges));
    setText(p.hedgeWins, count(x.hedge.wins));
    p.hedgeRefusedFact.hidden = x.hedge.refused === 0;
    setText(p.hedgeRefused, count(x.hedge.refused));
  }
}
`;
