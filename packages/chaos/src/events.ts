import type { FaultKind } from './options.js';

/** Payload of `onFault`: a call was picked for a fault. */
export interface FaultEvent {
  /** The chaos policy's name. */
  readonly name: string;
  /** The fault that will be injected. */
  readonly fault: FaultKind;
}
