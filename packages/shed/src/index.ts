export type { AdmitEvent, Priority, ShedEvent, ShedReason } from './events.js';
export type { FastifyHook, FastifyReplyLike, FastifyRequestLike } from './fastify.js';
export { DEFAULT_SHEDDER_OPTIONS, defaultPriority, type ShedderOptions } from './options.js';
export { type Middleware, type RequestListener, Shedder } from './shedder.js';
