import type { ServiceOptions } from './options.js';
import { makeService, type ServiceFunction } from './service.js';

/**
 * A method decorator (standard TypeScript decorators, no `experimentalDecorators`) that runs the
 * method through a service: fallback → retry → breaker → pool → timeout, with metrics. One
 * service per decorated method, shared by every instance of the class (they call the same
 * dependency); its parts are on the method (`Class.prototype.method.breaker`). The method keeps
 * its signature, so it receives the caller's arguments unchanged and `this`, and no
 * `ServiceContext`: use `service()` when the dependency should see the attempt's signal. The
 * default name is the method's name.
 *
 * ```ts
 * class Users {
 *   @withService({ timeout: 500, fallback: null })
 *   async get(id: string): Promise<User | null> { ... }
 * }
 * ```
 */
export function withService<This, A extends unknown[], R>(
  options?: ServiceOptions<A, NoInfer<R>>,
): (
  method: (this: This, ...args: A) => Promise<R>,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => Promise<R>>,
) => ServiceFunction<A, R> {
  return (method, context) => {
    if (context.kind !== 'method') {
      throw new TypeError(
        `@dyno/service: @withService decorates methods; received a ${context.kind}`,
      );
    }
    return makeService<A, R>(
      (thisArg, args) => method.apply(thisArg as This, args as A),
      String(context.name),
      options,
    );
  };
}
