import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../core/config.js';
import { CLOCK_TOLERANCE_SECONDS, signPlaybackToken, TokenError, verifyPlaybackToken } from '../core/playback-token.js';
import { revocationRetentionMs } from '../core/revocation-retention.js';
import { RevocationList } from './revocation-list.js';

// The edge forgets a revocation `revocationRetentionMs` after it was written. That is safe only if
// no token the revocation matched can be valid by then. The platform signs nothing for a session
// after ending it, so every such token has iat ≤ the revocation's time; the verifier bounds
// exp − iat by the maximum TTL and refuses iat in the future. Checked here over the whole range,
// with the edge's clock ahead of or behind the platform's by up to the tolerance.

const config = loadConfig({ STREAMGATE_DATA_DIR: '/nonexistent' });
const MAX_TTL = config.tokenMaxTtlSeconds;
const key = { kid: 'k1', key: createSecretKey(Buffer.alloc(32, 3)) };
const keyring = { byKid: new Map([[key.kid, key]]) };
const REVOKED_AT = 1_800_000_000_000; // platform time of the session_ended entry

/** Would the edge serve this token at edge time `nowMs`? */
function serves(list: RevocationList, token: string, nowMs: number): boolean {
  list.prune(nowMs);
  try {
    return !list.isRevoked(verifyPlaybackToken(token, keyring, nowMs, MAX_TTL));
  } catch (error) {
    if (error instanceof TokenError) return false;
    throw error;
  }
}

describe('revocation retention', () => {
  it('is the maximum TTL plus the clock tolerance', () => {
    assert.equal(revocationRetentionMs(config), (MAX_TTL + CLOCK_TOLERANCE_SECONDS) * 1000);
  });

  it('outlasts every token of a revoked session: none becomes valid again once the edge forgets', () => {
    const retention = revocationRetentionMs(config);
    const step = 11_000; // edge clock steps, not a divisor of the token lifetimes
    let checked = 0;
    for (let signedAt = REVOKED_AT - (MAX_TTL + 60) * 1000; signedAt <= REVOKED_AT; signedAt += 61_000) {
      for (const ttl of [1, 60, 300, MAX_TTL]) {
        const { token } = signPlaybackToken(key, { codeId: 'c1', eventId: 'conf', sessionId: 's1' }, signedAt, ttl);
        for (const skewMs of [-CLOCK_TOLERANCE_SECONDS * 1000, 0, CLOCK_TOLERANCE_SECONDS * 1000]) {
          const list = new RevocationList(retention);
          list.apply([{ cursor: 1, kind: 'session_ended', eventId: 'conf', codeId: null, sessionId: 's1', kid: null, at: REVOKED_AT }]);
          for (let edgeNow = REVOKED_AT + skewMs; edgeNow <= REVOKED_AT + retention + 120_000; edgeNow += step) {
            assert.equal(serves(list, token, edgeNow), false, `signed ${(signedAt - REVOKED_AT) / 1000} s, ttl ${ttl}, skew ${skewMs}, at +${(edgeNow - REVOKED_AT) / 1000} s`);
            checked++;
          }
          assert.equal(list.size, 0, 'and the entry is forgotten in the end');
        }
      }
    }
    assert.ok(checked > 5_000, `${checked} checks`);
  });

  it('a token claiming a future iat is refused, so it cannot outlive the retention by starting late', () => {
    const { token } = signPlaybackToken(key, { codeId: 'c1', eventId: 'conf', sessionId: 's1' }, REVOKED_AT + 3_600_000, MAX_TTL);
    assert.equal(serves(new RevocationList(revocationRetentionMs(config)), token, REVOKED_AT), false);
  });
});
