import type { Log } from '../core/log.js';
import { postToPlatform, type PlatformClient } from './platform-client.js';

/** Well inside the platform's 90 s session timeout, even with one report lost. */
export const REPORT_INTERVAL_MS = 20_000;
/** The platform's limit per request (its 16 KiB body limit). */
const BATCH = 100;

export type ReportAnswer =
  | { sessionId: string; status: 'active'; token?: string; expiresAt?: string }
  | { sessionId: string; status: 'ended'; reason: string };

/**
 * Tells the platform, in batches, which sessions this edge served since the last report. The
 * platform counts each as a heartbeat, so a player that cannot send heartbeats (VLC, a TV,
 * ffmpeg) stays active while it plays, and stops counting as active soon after it stops. Sessions
 * of an unanswered report are reported again next time.
 */
export class SessionReporter {
  private pending = new Map<string, { codeId: string; wantsToken: boolean }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;

  constructor(
    private readonly client: PlatformClient,
    private readonly log: Log,
    private readonly onAnswers: (answers: ReportAnswer[]) => void,
    private readonly intervalMs = REPORT_INTERVAL_MS,
  ) {}

  /** A request of this session was served. `wantsToken`: the edge needs fresh tokens for it (a link). */
  seen(claims: { sid: string; sub: string }, wantsToken = false): void {
    const earlier = this.pending.get(claims.sid);
    // Called for every request served: nothing is made when the report already says as much.
    if (earlier && earlier.codeId === claims.sub && (earlier.wantsToken || !wantsToken)) return;
    this.pending.set(claims.sid, { codeId: claims.sub, wantsToken: wantsToken || (earlier?.wantsToken ?? false) });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    const batch = [...this.pending].map(([sessionId, entry]) => ({ sessionId, ...entry }));
    this.pending = new Map();
    try {
      for (let i = 0; i < batch.length; i += BATCH) {
        const chunk = batch.slice(i, i + BATCH);
        try {
          const { status, json } = await postToPlatform(this.client, '/api/edge/sessions/report', { sessions: chunk });
          if (status !== 200 || !Array.isArray(json?.sessions)) throw new Error(`report answered ${status}`);
          this.onAnswers(json.sessions as ReportAnswer[]);
        } catch (error) {
          this.log.warn('session report failed', { error: (error as Error).message, sessions: batch.length - i });
          for (const entry of batch.slice(i)) if (!this.pending.has(entry.sessionId)) this.seen({ sid: entry.sessionId, sub: entry.codeId }, entry.wantsToken);
          return;
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
