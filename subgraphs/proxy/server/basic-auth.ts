import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { BasicAuthData } from '../route-data';

/** Verified credentials remembered per route, so bcrypt runs once per user and password. */
const CACHE_MAX = 1000;

/** A bcrypt hash of a random password, compared against for unknown users so that timing does not tell which user names exist. */
const UNKNOWN_USER_HASH = '$2b$10$nvqH57zVUTHmR72CWhCATOokYmFZZPQPVV7lBb.vQoinNQu5Zmg0K';

/**
 * Checks `Authorization: Basic` headers against a route's users. Because bcrypt costs tens of
 * milliseconds, a successful check is remembered as the SHA-256 of the header. A wrong password
 * is checked with bcrypt every time.
 */
export class BasicAuthGate {
  private readonly verified = new Map<string, Buffer>();
  private readonly users: Map<string, string>;

  constructor(readonly auth: BasicAuthData) {
    this.users = new Map(auth.users.map((user) => [user.username, user.passwordHash]));
  }

  get challenge(): string {
    return `Basic realm="${this.auth.realm}", charset="UTF-8"`;
  }

  // TODO: failed attempts are not rate-limited, and each one costs a bcrypt comparison.
  async check(header: string | undefined): Promise<boolean> {
    if (!header || !/^basic /i.test(header)) return false;
    const token = header.slice(6).trim();
    const digest = createHash('sha256').update(token).digest();
    const known = this.verified.get(digest.toString('hex'));
    if (known && timingSafeEqual(known, digest)) return true;

    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return false;
    const hash = this.users.get(decoded.slice(0, colon));
    const valid = await bcrypt.compare(decoded.slice(colon + 1), hash ?? UNKNOWN_USER_HASH);
    if (!hash) return false;
    if (valid) this.remember(digest);
    return valid;
  }

  private remember(digest: Buffer): void {
    if (this.verified.size >= CACHE_MAX) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(digest.toString('hex'), digest);
  }
}
