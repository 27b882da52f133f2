import type { FeedEntry } from '../core/revocation-feed.js';

interface Claims {
  sub: string;
  sid: string;
  eid: string;
  kid: string;
  /** Anonymous tokens only (core/playback-token.ts). */
  publicSince?: number;
}

/**
 * The edge's in-memory view of the revocation feed. An entry is kept for `retainMs` after it was
 * written: by then every token it could match has expired, because the platform signs nothing new
 * for a revoked code, an ended session or an archived event, and the verifier refuses any token
 * issued more than the clock tolerance in the future or living longer than the maximum TTL.
 * Revoked signing keys are never forgotten (a leaked key could sign new tokens at any time).
 */
export class RevocationList {
  private readonly codes = new Map<string, number>(); // code id → when to forget
  private readonly sessions = new Map<string, number>();
  private readonly events = new Map<string, number>();
  /** Event id → the latest time public playback was turned off, and when to forget it. */
  private readonly publicOff = new Map<string, { at: number; forgetAt: number }>();
  private readonly keys = new Set<string>();
  cursor = 0;

  constructor(private readonly retainMs: number) {}

  apply(entries: FeedEntry[]): void {
    for (const entry of entries) {
      const forgetAt = entry.at + this.retainMs;
      if (entry.kind === 'code_revoked' && entry.codeId) this.codes.set(entry.codeId, forgetAt);
      else if (entry.kind === 'code_restored' && entry.codeId) this.codes.delete(entry.codeId);
      else if (entry.kind === 'session_ended' && entry.sessionId) this.sessions.set(entry.sessionId, forgetAt);
      else if (entry.kind === 'event_archived') this.events.set(entry.eventId, forgetAt);
      else if (entry.kind === 'key_revoked' && entry.kid) this.keys.add(entry.kid);
      else if (entry.kind === 'public_revoked') this.notePublicOff(entry.eventId, entry.at, forgetAt);
      this.cursor = Math.max(this.cursor, entry.cursor);
    }
  }

  isRevoked(claims: Claims): boolean {
    return this.keys.has(claims.kid) || this.codes.has(claims.sub) || this.sessions.has(claims.sid) || this.events.has(claims.eid) || this.isPublicRevoked(claims);
  }

  /** An anonymous token issued under a public period that has been turned off since. */
  private isPublicRevoked(claims: Claims): boolean {
    if (claims.publicSince === undefined) return false;
    const off = this.publicOff.get(claims.eid);
    return off !== undefined && claims.publicSince <= off.at;
  }

  /** Only the latest turn-off matters: it covers every earlier public period. */
  private notePublicOff(eventId: string, at: number, forgetAt: number): void {
    const known = this.publicOff.get(eventId);
    if (!known || known.at < at) this.publicOff.set(eventId, { at, forgetAt });
  }

  /** Forgets entries no valid token can match any more; returns how many. */
  prune(nowMs: number): number {
    let dropped = 0;
    for (const [key, { forgetAt }] of this.publicOff) {
      if (forgetAt <= nowMs) {
        this.publicOff.delete(key);
        dropped++;
      }
    }
    for (const map of [this.codes, this.sessions, this.events]) {
      for (const [key, forgetAt] of map) {
        if (forgetAt <= nowMs) {
          map.delete(key);
          dropped++;
        }
      }
    }
    return dropped;
  }

  get size(): number {
    return this.codes.size + this.sessions.size + this.events.size + this.keys.size + this.publicOff.size;
  }
}
