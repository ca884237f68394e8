export { type Advertised, advertise } from './advertise.js';
export { FilterResultError } from './errors.js';
export type {
  AfterFilter,
  AfterFilterContext,
  BeforeFilter,
  FilterContext,
  Pipeline,
} from './filters.js';
export { type AdvertiseOptions, DEFAULT_ADVERTISE_OPTIONS } from './options.js';
export { AspectRegistry, defaultRegistry } from './registry.js';
