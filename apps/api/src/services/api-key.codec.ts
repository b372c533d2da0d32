import { hashApiKeySecret } from '@spamfilter/persistence';
import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys are shown once as `sf_<prefix>_<secret>`. The prefix is stored in clear to find the row (and to name the
 * key in logs and lists); only sha256(secret) is stored, so a database leak does not leak working keys. The secret
 * has 192 bits of randomness, so a fast hash is enough (no password stretching needed for random secrets).
 */
export interface ParsedApiKey {
  readonly prefix: string;
  readonly secret: string;
}

const KEY_PATTERN = /^sf_([a-z0-9]{8,16})_([A-Za-z0-9_-]{24,128})$/;

export function parseApiKey(token: string): ParsedApiKey | null {
  const m = KEY_PATTERN.exec(token);
  return m ? { prefix: m[1], secret: m[2] } : null;
}

/** Reads `Authorization: Bearer <key>`; anything else (other schemes, junk) is null. */
export function parseBearer(header: string | undefined): ParsedApiKey | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? parseApiKey(m[1]) : null;
}

/** The stored form of a secret: libs/persistence's hash, the one ApiKeyRepository.create stores. */
export const hashSecret = hashApiKeySecret;

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, storedHashHex: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHashHex, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

export interface GeneratedApiKey extends ParsedApiKey {
  readonly token: string;
  readonly secretHash: string;
}

export function generateApiKey(random: (n: number) => Buffer = randomBytes): GeneratedApiKey {
  const prefix = random(6).toString('hex'); // 12 lower-case hex characters
  const secret = random(24).toString('base64url'); // 32 characters
  return { prefix, secret, token: `sf_${prefix}_${secret}`, secretHash: hashSecret(secret) };
}
