import { DynoError, hasCode } from '@dyno/core';

/** One attempt of a call, as an `HttpError` records it. */
export interface HttpAttempt {
  /** 1-based. */
  readonly attempt: number;
  /** The response status, when a response arrived. */
  readonly status?: number;
  /** What the attempt failed with, when no response arrived. */
  readonly error?: unknown;
}

/**
 * Raised, with `throwHttpErrors: true`, when a call's final response is not ok. Carries the
 * `response` (its body cancelled, so its connection is freed), `status`, `headers`, and every
 * attempt of the call. Code
 * `DYNO_HTTP_STATUS`.
 */
export class HttpError extends DynoError {
  /** The final response, its body cancelled: read `status` and `headers`, not the body. */
  readonly response: Response;
  /** The final response's status. */
  readonly status: number;
  /** The final response's headers. */
  readonly headers: Headers;
  /** Every attempt of the call, in order. */
  readonly attempts: readonly HttpAttempt[];

  constructor(
    source: string,
    method: string,
    url: string,
    response: Response,
    attempts: readonly HttpAttempt[],
  ) {
    // HTTP/2 has no reason phrase: `statusText` is then empty
    const status = response.statusText
      ? `${response.status} ${response.statusText}`
      : response.status;
    super(
      'DYNO_HTTP_STATUS',
      `${method} ${url} answered ${status} after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`,
      { source },
    );
    this.response = response;
    this.status = response.status;
    this.headers = response.headers;
    this.attempts = Object.freeze([...attempts]);
  }

  /** True for an `HttpError` from any loaded copy of `@dyno/fetch`. */
  static override isInstance(value: unknown): value is HttpError {
    return hasCode(value, 'DYNO_HTTP_STATUS');
  }
}
