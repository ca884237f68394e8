import type { ServiceContext } from '../service-context.js';
import type { Parts } from './parts.js';

// A call's types live here, not in call.ts, because fallback.ts reads a call too and call.ts
// imports it: keeping them apart keeps the package's imports one-way.

/** How the service calls the protected function: `fn(context, ...args)` or a method's `fn(...args)`. */
export type Invoker = (thisArg: unknown, args: unknown[], context: ServiceContext) => unknown;

/** One call of a service: its parts, how and with what to call `fn`, and the caller's signal. */
export interface Call {
  readonly parts: Parts;
  readonly invoke: Invoker;
  readonly thisArg: unknown;
  readonly args: unknown[];
  readonly signal: AbortSignal | undefined;
}
