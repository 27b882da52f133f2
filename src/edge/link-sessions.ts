import type { Clock } from '../core/clock.js';
import type { Log } from '../core/log.js';
import { TokenError, verifyPlaybackToken, type PlaybackClaims } from '../core/playback-token.js';
import type { Keyring } from '../core/secret-store.js';
import { verifyLinkToken, type LinkClaims } from '../core/sessions/link-token.js';
import { PlatformUnreachable, postToPlatform, type PlatformClient } from './platform-client.js';
import type { RevocationList } from './revocation-list.js';
import type { ReportAnswer } from './session-reporter.js';

export type LinkResolution =
  | { ok: true; claims: PlaybackClaims; token: string }
  | { ok: false; status: 401 | 403 | 503; reason: string };

interface LinkSession {
  claims: PlaybackClaims;
  /** The session's playback token, refreshed by the report answers: for an origin in proxy mode. */
  token: string;
  expiresAt: number;
}

/** A refused link is asked about again after this long, so a player retrying in a loop costs the platform little. */
const REFUSAL_MEMORY_MS = 5_000;
const MAX_VERIFIED = 10_000;

export interface LinkSessionsDeps {
  client: PlatformClient;
  keyring: Pick<Keyring, 'byKid'>;
  revocations: RevocationList;
  tokenMaxTtlSeconds: number;
  clock: Clock;
  log: Log;
}

/**
 * Personal links at the edge (core/sessions/link-sessions.ts has the design). A link token is
 * verified by cryptography, then exchanged with the platform once for a session, which is kept in
 * memory: every later request of that player costs a map lookup and the revocation check, like
 * any token. The session is dropped when it is revoked (the feed, within 1 s), when a report
 * answers that it ended, or when its token expires unrefreshed; the next request asks again.
 */
export class LinkSessions {
  private readonly verified = new Map<string, LinkClaims>();
  private readonly byLink = new Map<string, LinkSession>();
  private readonly linkBySession = new Map<string, string>();
  private readonly refused = new Map<string, { until: number; status: 401 | 403; reason: string }>();
  private readonly inFlight = new Map<string, Promise<LinkResolution>>();

  constructor(private readonly deps: LinkSessionsDeps) {}

  async resolve(linkToken: string, eventId: string, client: { clientIp: string | null; userAgent: string | null }): Promise<LinkResolution> {
    const now = this.deps.clock();
    let link: LinkClaims;
    try {
      link = this.verify(linkToken, now);
    } catch (error) {
      if (error instanceof TokenError) return { ok: false, status: 401, reason: error.message };
      throw error;
    }
    if (link.eid !== eventId) return { ok: false, status: 403, reason: 'token for another event' };
    if (this.deps.revocations.isRevoked({ sub: link.sub, eid: link.eid, sid: '', kid: link.kid })) return { ok: false, status: 403, reason: 'revoked' };
    const known = this.byLink.get(link.lid);
    if (known && known.expiresAt > now && !this.deps.revocations.isRevoked(known.claims)) return { ok: true, claims: known.claims, token: known.token };
    if (known) this.forget(link.lid);
    const refusal = this.refused.get(link.lid);
    if (refusal && refusal.until > now) return { ok: false, status: refusal.status, reason: refusal.reason };
    // One exchange per link at a time: a player's parallel requests wait for the same answer.
    let pending = this.inFlight.get(link.lid);
    if (!pending) {
      pending = this.exchange(linkToken, link, client).finally(() => this.inFlight.delete(link.lid));
      this.inFlight.set(link.lid, pending);
    }
    return pending;
  }

  /** The platform's answers to a session report: fresh tokens, or sessions that ended. */
  applyAnswers(answers: ReportAnswer[]): void {
    for (const answer of answers) {
      const linkId = this.linkBySession.get(answer.sessionId);
      const known = linkId && this.byLink.get(linkId);
      if (!linkId || !known) continue;
      if (answer.status === 'ended') this.forget(linkId);
      else if (answer.token && answer.expiresAt) this.remember(linkId, answer.token, Date.parse(answer.expiresAt));
    }
    const now = this.deps.clock();
    for (const [linkId, session] of this.byLink) if (session.expiresAt <= now) this.forget(linkId);
    for (const [linkId, refusal] of this.refused) if (refusal.until <= now) this.refused.delete(linkId);
  }

  get size(): number {
    return this.byLink.size;
  }

  private verify(linkToken: string, now: number): LinkClaims {
    const cached = this.verified.get(linkToken);
    if (cached && cached.exp * 1000 > now) return cached;
    const link = verifyLinkToken(linkToken, this.deps.keyring, now);
    if (this.verified.size >= MAX_VERIFIED) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(linkToken, link);
    return link;
  }

  private async exchange(linkToken: string, link: LinkClaims, client: { clientIp: string | null; userAgent: string | null }): Promise<LinkResolution> {
    let answer: { status: number; json: any };
    try {
      answer = await postToPlatform(this.deps.client, '/api/edge/link-sessions', { linkToken, clientIp: client.clientIp, userAgent: client.userAgent?.slice(0, 300) ?? null });
    } catch (error) {
      if (!(error instanceof PlatformUnreachable)) throw error;
      this.deps.log.warn('link session: platform unreachable', { error: error.message });
      return { ok: false, status: 503, reason: 'platform unreachable' };
    }
    if (answer.status !== 200) {
      const status = answer.status === 401 ? 401 : answer.status >= 500 ? 503 : 403;
      const reason = `platform: ${String(answer.json?.error?.code ?? answer.status)}`;
      if (status !== 503) this.refused.set(link.lid, { until: this.deps.clock() + REFUSAL_MEMORY_MS, status, reason });
      return { ok: false, status, reason };
    }
    const session = this.remember(link.lid, String(answer.json.token), Date.parse(answer.json.expiresAt));
    return { ok: true, claims: session.claims, token: session.token };
  }

  private remember(linkId: string, token: string, expiresAt: number): LinkSession {
    const claims = verifyPlaybackToken(token, this.deps.keyring, this.deps.clock(), this.deps.tokenMaxTtlSeconds);
    const session = { claims, token, expiresAt };
    const earlier = this.byLink.get(linkId);
    if (earlier && earlier.claims.sid !== claims.sid) this.linkBySession.delete(earlier.claims.sid);
    this.byLink.set(linkId, session);
    this.linkBySession.set(claims.sid, linkId);
    this.refused.delete(linkId);
    return session;
  }

  private forget(linkId: string): void {
    const known = this.byLink.get(linkId);
    if (known) this.linkBySession.delete(known.claims.sid);
    this.byLink.delete(linkId);
  }
}
