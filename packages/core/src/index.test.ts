import * as core from './index.js';
import * as testing from './testing/index.js';

describe('@dyno/core exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(core).sort()).toEqual([
      'DYNO_ERROR',
      'DisposedError',
      'DynoError',
      'EventEmitter',
      'MAX_DURATION',
      'NEVER_ABORTED',
      'NOOP_DISPOSABLE',
      'abortReason',
      'addAbortListener',
      'check',
      'checkDuration',
      'checkFunction',
      'defaultName',
      'describeFailure',
      'format',
      'hasCode',
      'invoke',
      'is',
      'isThenable',
      'markDynoError',
      'onAbort',
      'onListenerError',
      'rejectSoon',
      'removeAbortListener',
      'reportListenerError',
      'reportRejection',
      'resolveOptions',
      'setListenerErrorMode',
      'sleep',
      'systemClock',
      'toDisposable',
      'untilAborted',
      'validate',
      'withDeadline',
    ]);
    expect(Object.keys(testing).sort()).toEqual([
      'FailingClock',
      'ManualClock',
      'NON_ERRORS',
      'deferred',
      'flushPromises',
      'listenerReports',
      'never',
      'outcome',
      'seededRandom',
      'settledTurns',
      'thrown',
    ]);
  });
});
