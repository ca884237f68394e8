/** A member's reported state: its breaker's (`isolated` and `disabled` never count as open). */
export type MemberState = 'closed' | 'open' | 'half-open' | 'isolated' | 'disabled';

/** Payload of `FleetCircuit.onView`: what this process knows of the fleet changed. */
export interface FleetViewEvent {
  readonly name: string;
  /** Live members, this process included (0 while Redis is out of reach for `memberTtl`). */
  readonly live: number;
  /** Live members reporting the circuit open or half-open. */
  readonly open: number;
  /** True while the quorum holds this process's breaker isolated. */
  readonly isolating: boolean;
  /** True while the view is fresh from Redis (heartbeats answered within `memberTtl`). */
  readonly connected: boolean;
}

/** Payload of `FleetCircuit.onRedisError`: a Redis command of the fleet failed or was late. */
export interface FleetRedisErrorEvent {
  readonly name: string;
  readonly during: 'heartbeat' | 'subscribe' | 'message' | 'leave';
  readonly error: unknown;
}
