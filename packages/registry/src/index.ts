export type { Registration, RegistrationConfig } from './config.js';
export {
  AlreadyRegistered,
  CircularProvider,
  type Key,
  NotReady,
  NotRegistered,
  type ReadinessFailure,
} from './errors.js';
export type { RegisterEvent, ReplaceEvent, UnregisterEvent } from './events.js';
export {
  DEFAULT_PROVIDE_OPTIONS,
  type DisposeOption,
  type Lifetime,
  type ProvideAsyncOptions,
  type ProvideOptions,
  type ProviderContext,
  type RegisterOptions,
  type RegistryOptions,
} from './options.js';
export type { Ref } from './ref.js';
export { type Factory, type KeyOf, Registry } from './registry.js';
export type { RegistryToken } from './token.js';
