export { type Advertised, type AsyncAdvertised, advertise, type Returned } from './advertise.js';
export { FilterResultError } from './errors.js';
export type {
  AfterFilter,
  AfterFilterContext,
  AroundFilter,
  BeforeFilter,
  FilterContext,
  Pipeline,
} from './filters.js';
export type { AfterResult, AroundResult, JoinPoint } from './join-point.js';
export { type AdvertiseOptions, DEFAULT_ADVERTISE_OPTIONS } from './options.js';
export { AspectRegistry, defaultRegistry } from './registry.js';
