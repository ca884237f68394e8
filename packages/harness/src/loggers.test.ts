import { Writable } from 'node:stream';
import { flushPromises } from '@dyno/core/testing';
import pino from 'pino';
import winston from 'winston';
import { ErrorCounts } from './error-counts.js';
import { harness } from './harness.js';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

const failing = (error: unknown) =>
  function checkout(): never {
    throw error;
  };

describe('harness with real loggers', () => {
  it('logs through pino as { err, harness } and a message', () => {
    const { lines, stream } = sink();
    const logger = pino({ base: undefined, timestamp: false }, stream);
    const boom = new Error('card declined');
    const f = harness(failing(boom), { logger, counts: new ErrorCounts() });
    expect(() => f()).toThrow(boom);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({
      level: 50,
      msg: 'checkout failed',
      harness: 'checkout',
      err: { type: 'Error', message: 'card declined' },
    });
    expect(entry.err.stack).toBe(boom.stack);
  });

  it('logs a non-Error throwable through pino unchanged', () => {
    const { lines, stream } = sink();
    const logger = pino({ base: undefined, timestamp: false }, stream);
    const f = harness(failing('out of stock'), { logger, counts: new ErrorCounts() });
    expect(() => f()).toThrow('out of stock');
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      msg: 'checkout failed',
      err: 'out of stock',
    });
  });

  it('logs through a pino child logger', () => {
    const { lines, stream } = sink();
    const logger = pino({ base: undefined, timestamp: false }, stream).child({ request: 7 });
    const f = harness(failing(new Error('x')), { logger, counts: new ErrorCounts() });
    expect(() => f()).toThrow('x');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ request: 7, harness: 'checkout' });
  });

  it('logs through winston with the message, the error message and the stack', async () => {
    const { lines, stream } = sink();
    const logger = winston.createLogger({
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream })],
    });
    const boom = new Error('card declined');
    const f = harness(failing(boom), { logger, counts: new ErrorCounts() });
    expect(() => f()).toThrow(boom);
    await flushPromises();
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ level: 'error', message: 'checkout failed card declined' });
    expect(entry.stack).toBe(boom.stack);
  });

  it('logs a non-Error throwable through winston as `thrown`', async () => {
    const { lines, stream } = sink();
    const logger = winston.createLogger({
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream })],
    });
    const f = harness(failing(404), { logger, counts: new ErrorCounts() });
    expect(() => f()).toThrow();
    await flushPromises();
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      message: 'checkout failed',
      thrown: 404,
    });
  });

  it('takes a bunyan-style logger as object-first, and obeys an explicit style', () => {
    const calls: unknown[][] = [];
    const bunyanish = {
      fields: {},
      child: () => bunyanish,
      error: (...a: unknown[]) => calls.push(a),
    };
    const boom = new Error('x');
    expect(() => harness(failing(boom), { logger: bunyanish })()).toThrow(boom);
    const plain = { error: (...a: unknown[]) => calls.push(a) };
    expect(() => harness(failing(boom), { logger: plain, loggerStyle: 'object-first' })()).toThrow(
      boom,
    );
    const childOnly = { child: () => childOnly, error: (...a: unknown[]) => calls.push(a) };
    expect(() => harness(failing(boom), { logger: childOnly })()).toThrow(boom);
    expect(calls).toEqual([
      [{ err: boom, harness: 'checkout' }, 'checkout failed'],
      [{ err: boom, harness: 'checkout' }, 'checkout failed'],
      ['checkout failed', boom],
    ]);
  });
});
