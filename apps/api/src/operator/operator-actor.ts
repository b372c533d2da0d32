import type { Principal } from '../guards/principal';

/** Who did it, for audit rows and decisions: the operator's address, or their key's prefix for mailbox-less keys. */
export function actorOf(p: Principal): string {
  return p.address ?? `key:${p.keyPrefix}`;
}
