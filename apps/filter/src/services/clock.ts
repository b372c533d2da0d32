import { randomFillSync } from 'node:crypto';
import { formatReferenceId } from '@spamfilter/domain';

/** The clock, injected so greylisting windows, decay and reference IDs are testable. */
export class Clock {
  now(): number {
    return Date.now();
  }
}

/** Randomness for reference IDs, injected for the same reason. */
export class RandomSource {
  bytes(n: number): Uint8Array {
    return randomFillSync(new Uint8Array(n));
  }
}

export class ReferenceIdGenerator {
  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  next(): string {
    return formatReferenceId(this.clock.now(), this.random.bytes(10));
  }
}
