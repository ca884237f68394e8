import type { Disposable, Event } from '@dyno/core';
import type { Sink } from './internal/sink.js';
import { HEDGE_REFUSED, HEDGE_STARTED, HEDGE_WON, STATUS_1XX } from './internal/source-facts.js';

/**
 * What `observe` needs of an HTTP source: an event for every response, with its status (each
 * origin of a `@dyno/fetch` client is one). Responses are counted by status class.
 */
export interface ObservableHttp {
  readonly name: string;
  readonly onResponse: Event<{ readonly name: string; readonly status: number }>;
}

/**
 * What `observe` needs of a hedge (a `@dyno/hedge` `Hedge` fits): `onHedge` and `onWin`, and
 * `onRefuse` when it has a budget to refuse with.
 */
export interface ObservableHedge {
  readonly name: string;
  readonly onHedge: Event<{ readonly name: string }>;
  readonly onWin: Event<{ readonly name: string }>;
  readonly onRefuse?: Event<{ readonly name: string }>;
}

/**
 * Counts `http`'s responses by status class (anything outside 100-599 is not counted); its
 * subscriptions go into `subs` as they are made.
 */
export function bindHttp(sink: Sink, http: ObservableHttp, subs: Disposable[]): void {
  sink.attach('http', http);
  subs.push(
    http.onResponse((e) => {
      const index = Math.floor(e.status / 100) - 1;
      if (index >= 0 && index < 5) sink.fact('http', STATUS_1XX + index);
    }),
  );
}

/** Counts `hedge`'s extra attempts, its wins and its budget's refusals (subscriptions into `subs`). */
export function bindHedge(sink: Sink, hedge: ObservableHedge, subs: Disposable[]): void {
  sink.attach('hedge', hedge);
  subs.push(hedge.onHedge(() => sink.fact('hedge', HEDGE_STARTED)));
  subs.push(hedge.onWin(() => sink.fact('hedge', HEDGE_WON)));
  if (typeof hedge.onRefuse === 'function') {
    subs.push(hedge.onRefuse(() => sink.fact('hedge', HEDGE_REFUSED)));
  }
}
