import type { Log } from '../core/log.js';
import { postToPlatform, type PlatformClient } from './platform-client.js';

/** Well inside the platform's 90 s session timeout, even with one report lost. */
export const REPORT_INTERVAL_MS = 20_000;
/** The platform's limit per request (its 16 KiB body limit). */
const BATCH = 100;
/** Events whose bytes ride along in one report: with a full batch of sessions it stays under 16 KiB. */
const DELIVERED_PER_REPORT = 20;

export type ReportAnswer =
  | { sessionId: string; status: 'active'; token?: string; expiresAt?: string }
  | { sessionId: string; status: 'ended'; reason: string };

/**
 * Tells the platform, in batches, which sessions this edge served since the last report. The
 * platform counts each as a heartbeat, so a player that cannot send heartbeats (VLC, a TV,
 * ffmpeg) stays active while it plays, and stops counting as active soon after it stops. Sessions
 * of an unanswered report are reported again next time. The bytes sent per event ride along, for
 * the event's analytics, and are kept until the platform says it recorded them.
 */
export class SessionReporter {
  private pending = new Map<string, { codeId: string; wantsToken: boolean }>();
  /** Bytes sent per event since the last report the platform recorded (its viewer analytics). */
  private delivered = new Map<string, number>();
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

  /** A response of `bytes` for the event was sent in full. */
  sent(eventId: string, bytes: number): void {
    this.delivered.set(eventId, (this.delivered.get(eventId) ?? 0) + bytes);
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
    if (this.flushing || (this.pending.size === 0 && this.delivered.size === 0)) return;
    this.flushing = true;
    const batch = [...this.pending].map(([sessionId, entry]) => ({ sessionId, ...entry }));
    this.pending = new Map();
    // The bytes ride along with the first request; the platform says whether it recorded them.
    let delivered = [...this.delivered].slice(0, DELIVERED_PER_REPORT).map(([eventId, bytes]) => ({ eventId, bytes }));
    for (const { eventId } of delivered) this.delivered.delete(eventId);
    const giveBack = () => {
      for (const { eventId, bytes } of delivered) this.sent(eventId, bytes);
      delivered = [];
    };
    try {
      for (let i = 0; i === 0 || i < batch.length; i += BATCH) {
        const chunk = batch.slice(i, i + BATCH);
        try {
          const body = delivered.length > 0 ? { sessions: chunk, delivered } : { sessions: chunk };
          const { status, json } = await postToPlatform(this.client, '/api/edge/sessions/report', body);
          if (status !== 200 || !Array.isArray(json?.sessions)) throw new Error(`report answered ${status}`);
          if (delivered.length > 0 && json.deliveredRecorded !== true) giveBack();
          delivered = [];
          this.onAnswers(json.sessions as ReportAnswer[]);
        } catch (error) {
          this.log.warn('session report failed', { error: (error as Error).message, sessions: batch.length - i });
          giveBack();
          for (const entry of batch.slice(i)) if (!this.pending.has(entry.sessionId)) this.seen({ sid: entry.sessionId, sub: entry.codeId }, entry.wantsToken);
          return;
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
