/**
 * Reference IDs are unguessable (they open the public "why was my mail refused?" page), short enough to read out
 * over the phone, and sortable by time: 10 base32 characters of milliseconds + 16 of randomness (ULID layout,
 * Crockford alphabet). Generation takes its randomness and clock from the caller, so this file stays pure.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REFERENCE_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function formatReferenceId(timeMs: number, random: Uint8Array): string {
  if (random.length < 10) throw new Error('formatReferenceId needs 10 random bytes');
  let time = '';
  let t = Math.floor(timeMs);
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | random[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += ALPHABET[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return time + rand;
}

export function isReferenceId(value: unknown): value is string {
  return typeof value === 'string' && REFERENCE_ID_PATTERN.test(value);
}
