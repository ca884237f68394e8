import { type AspectRegistry, defaultRegistry } from './registry.js';

/** Options of `advertise`. */
export interface AdvertiseOptions {
  /**
   * The registry whose pipeline for the name runs on every call.
   * @default defaultRegistry
   */
  readonly registry?: AspectRegistry | undefined;
}

/** The defaults of `AdvertiseOptions`. */
export const DEFAULT_ADVERTISE_OPTIONS: Readonly<Required<AdvertiseOptions>> = Object.freeze({
  registry: defaultRegistry,
});
