export {
  type AbortListener,
  abortReason,
  addAbortListener,
  NEVER_ABORTED,
  onAbort,
  removeAbortListener,
  untilAborted,
} from './abort.js';
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export { copyInheritedOptions, copyOptions, withDefaults } from './copy-options.js';
export { type DeadlineOptions, withDeadline } from './deadline.js';
export { type Disposable, NOOP_DISPOSABLE, toDisposable } from './disposable.js';
export {
  DisposedError,
  DYNO_ERROR,
  DynoError,
  type DynoErrorLike,
  type DynoErrorOptions,
  hasCode,
  markDynoError,
} from './errors.js';
export { type Event, EventEmitter, type Listener } from './events.js';
export { type Awaitable, invoke, isPromise, isThenable, toPromise } from './invoke.js';
export { defaultName } from './name.js';
export type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';
export { rejectSoon } from './reject-soon.js';
export {
  type ListenerErrorEvent,
  type ListenerErrorMode,
  onListenerError,
  reportListenerError,
  reportRejection,
  setListenerErrorMode,
} from './report.js';
export { type SleepOptions, sleep } from './sleep.js';
export { steadyClock } from './steady-clock.js';
export {
  check,
  checkAnswer,
  checkDuration,
  checkFunction,
  checkOptions,
  describeFailure,
  format,
  is,
  MAX_DURATION,
  type Rule,
  type Rules,
  resolveOptions,
  validate,
} from './validate.js';
export { type PendingBuild, WaitGraph } from './wait-graph.js';
