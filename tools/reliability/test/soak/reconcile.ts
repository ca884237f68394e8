import type { Ledger } from './ledger.js';

/** One count that two parties must agree on; `holds` is false when they do not. */
export interface Balance {
  readonly name: string;
  readonly left: number;
  readonly right: number;
  readonly holds: boolean;
}

const equal = (name: string, left: number, right: number): Balance => ({
  name,
  left,
  right,
  holds: left === right,
});

/**
 * The balances of one run: what the callers, retry, the breaker, the pool, the metrics and the
 * dependency each counted, set against each other. Each attempt, each slot and each call is
 * settled once, so any layer that settled something twice (or never) puts a count off. `ran`
 * is the number of times the service called the protected function.
 */
export function reconcile(ledger: Ledger, ran: number): Balance[] {
  const { callers: c, retry: r, breaker: b, pool: p, metrics: m, dependency: d } = ledger;
  const settledAs = (outcome: string) => p.settledAs[outcome] ?? 0;
  const abandoned = p.abandoned ?? 0;
  // the only tasks that may still hold a slot at the end: those that never settle, unless the
  // pool abandoned them (counted by the dependency itself, not by the pool)
  const holding = d.forever - abandoned;
  // attempts withdrawn from the pool's queue by their caller: no party counts them, so they
  // are what is left over, and each cancelled call can have at most one
  const withdrawn = c.serviceCalls + r.retries - (p.started + m.shortCircuited + m.rejected);
  return [
    // every service call ends once: answered, given up by retry, or cancelled by its caller
    equal(
      'service calls = answered + failed + cancelled',
      c.serviceCalls,
      c.serviceSucceeded + c.serviceFailed + c.serviceCancelled,
    ),
    equal('retry successes = service calls answered', r.successes, c.serviceSucceeded),
    equal('retry give-ups = service calls failed', r.givenUp, c.serviceFailed),
    equal('late answers that reached a caller', c.lateAnswers, 0),
    equal('attempts that answered two calls', c.answeredTwice, 0),
    {
      name: 'attempts withdrawn by their caller from the queue (0 to cancelled calls)',
      left: withdrawn,
      right: c.serviceCancelled,
      holds: withdrawn >= 0 && withdrawn <= c.serviceCancelled,
    },
    // every attempt that ran: one slot, one record in the metrics
    equal('pool starts = runs of fn', p.started, ran),
    equal(
      'metrics success + failure + timeout = pool starts',
      m.success + m.failure + m.timeout,
      p.started,
    ),
    equal('metrics success = service calls answered', m.success, c.serviceSucceeded),
    equal('pool settled as success = metrics success', settledAs('success'), m.success),
    equal(
      'pool settled as failure or cancelled = metrics failure',
      settledAs('failure') + settledAs('cancelled'),
      m.failure,
    ),
    equal('pool timeouts = metrics timeouts', p.timedOut, m.timeout),
    equal('pool refusals = metrics rejected', p.rejected, m.rejected),
    equal('metrics calls in flight at the end', m.inFlight, 0),
    // every slot is given back once: when its task settles, or when the task is abandoned; a
    // slot given back twice shows as a settle too many and an active count below zero
    equal(
      'pool settled = pool starts - tasks still holding a slot',
      p.settled,
      p.started - holding,
    ),
    equal(
      'pool settled as timeout = pool timeouts - tasks still holding a slot',
      settledAs('timeout'),
      p.timedOut - holding,
    ),
    equal('pool active at the end = tasks still holding a slot', p.active, holding),
    {
      name: 'lowest pool active seen (never below 0)',
      left: p.lowestActive,
      right: 0,
      holds: p.lowestActive >= 0,
    },
    equal('pool queued at the end', p.queued, 0),
    equal('pool abandon events = abandoned in all', p.abandonEvents, p.abandonedTotal ?? 0),
    {
      // only a call that ignores its signal outlives its deadline by the grace
      name: 'pool abandoned in all (at most the calls that ignore their signal)',
      left: p.abandonedTotal ?? 0,
      right: d.deafHang + d.late,
      holds: (p.abandonedTotal ?? 0) <= d.deafHang + d.late,
    },
    // the breaker judges every attempt it let through, once
    equal('breaker successes = metrics success', b.successes, m.success),
    equal('breaker rejections = metrics short-circuited', b.rejections, m.shortCircuited),
    // a pool's refusal never reached the dependency: its permit is given back unjudged; a run
    // its caller cancelled is not the dependency's failure either
    equal(
      'breaker failures = metrics failure + timeout - cancelled runs',
      b.failures,
      m.failure + m.timeout - settledAs('cancelled'),
    ),
    // the dependency's own books
    equal('dependency calls = normal + deaf + late', d.entered, d.normal + d.deafHang + d.late),
    equal(
      'dependency calls ended + never settling = dependency calls',
      d.ended + d.forever,
      d.entered,
    ),
  ];
}
