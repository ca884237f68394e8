export { AlreadyRegistered, CircularProvider, type Key, NotRegistered } from './errors.js';
export type { RegisterEvent, ReplaceEvent, UnregisterEvent } from './events.js';
export {
  DEFAULT_PROVIDE_OPTIONS,
  type DisposeOption,
  type ProvideOptions,
  type ProviderContext,
  type RegisterOptions,
  type RegistryOptions,
} from './options.js';
export type { Ref } from './ref.js';
export { type Factory, type KeyOf, Registry } from './registry.js';
