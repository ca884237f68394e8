import { ReplyError } from 'ioredis';
import { replyKind } from './guard.js';

describe('replyKind', () => {
  it('is the first word of a Redis error reply, as ioredis reports it', () => {
    const wrongType = new ReplyError(
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    );
    expect(replyKind(wrongType)).toBe('WRONGTYPE');
    expect(replyKind(new ReplyError("ERR unknown command 'NOPE'"))).toBe('ERR');
    expect(replyKind(new Error('WRONGTYPE'))).toBe('WRONGTYPE');
  });

  it('tells a wrong type from a reply that merely mentions one, and from other failures', () => {
    expect(replyKind(new ReplyError('ERR WRONGTYPE mentioned later'))).toBe('ERR');
    expect(replyKind(new Error('connection reset'))).toBe('connection');
    expect(replyKind({ message: 42 })).toBeUndefined();
    expect(replyKind('WRONGTYPE')).toBeUndefined();
    expect(replyKind(undefined)).toBeUndefined();
    expect(replyKind(null)).toBeUndefined();
  });
});
