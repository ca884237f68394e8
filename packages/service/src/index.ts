export type { FallbackEvent } from './events.js';
export { DEFAULT_SERVICE_OPTIONS, type Fallback, type ServiceOptions } from './options.js';
export { type ServiceFunction, service } from './service.js';
export type { ServiceContext } from './service-context.js';
export { withService } from './with-service.js';
