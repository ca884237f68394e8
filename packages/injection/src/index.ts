export type {
  Built,
  Declaration,
  Dependency,
  DependencySpec,
  Deps,
  Make,
  MakeContext,
} from './declaration.js';
export {
  CircularDependencyError,
  DependencyError,
  type DependencyFailure,
  DependencyTimeoutError,
} from './errors.js';
export { type InjectCall, type Injected, inject } from './inject.js';
export { DEFAULT_INJECT_OPTIONS, type InjectOptions } from './options.js';
export {
  DATACENTER_TIMEOUT,
  INTERNET_TIMEOUT,
  LAN_TIMEOUT,
  LOCALHOST_TIMEOUT,
} from './timeouts.js';
