import { Injectable } from '@nestjs/common';
import { Cached } from '@nest-perf/cache';
import { randomBytes } from 'node:crypto';

/** A short-lived credential for the object storage that holds generated resources. */
export interface StorageToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** How long the (simulated) storage provider's tokens live. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
/** Stop using a token this long before it expires, so URLs handed out stay valid a while. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

/**
 * Issues storage tokens. In a real app this calls the provider's token endpoint (slow, rate
 * limited); here it makes one up. The token is cached for exactly as long as it stays usable:
 * the TTL comes from the result.
 */
@Injectable()
export class StorageTokenService {
  /** How many tokens were issued; shows that the cache reuses them. */
  issued = 0;

  @Cached({
    namespace: 'storage-token',
    ttl: (t: StorageToken) => t.expiresAt - Date.now() - TOKEN_REFRESH_MARGIN_MS,
  })
  async accessToken(): Promise<StorageToken> {
    this.issued++;
    return {
      token: randomBytes(24).toString('base64url'),
      expiresAt: Date.now() + TOKEN_LIFETIME_MS,
    };
  }
}
