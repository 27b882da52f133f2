import { MESSAGES, t } from './messages';
import { REFUSED_AGAIN_MS, type Playback, type PlaybackHost } from './playback';
import { heartbeatIntervalMs, tokenLifetimeMs } from './token-lifetime';

/** Further behind the live edge than this, a viewer chose to be there: a new `src` keeps them there. */
const BEHIND_LIVE_S = 6;

/** The playback URL with a token in its query: what the edge serves with EDGE_QUERY_TOKENS=1. */
export function withToken(playbackUrl: string, token: string): string {
  const url = new URL(playbackUrl, location.href);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * The browser's own HLS (`<video src>`), for browsers without MediaSource: iPhones before iOS 17.1.
 * It cannot send a header, so the token rides in the URL and the edge writes it into every URI of
 * the playlists it serves. A renewed token reaches the player only with a new `src`: swapped while
 * the old token still has two heartbeats to live, at the same position and in the same paused state.
 */
export function startNativePlayback(host: PlaybackHost, playbackUrl: string): Playback {
  const { video } = host;
  const listening = new AbortController();
  const on = (type: string, listener: () => void) => video.addEventListener(type, listener, { signal: listening.signal });
  const later = (ms: number, then: () => void) => window.setTimeout(() => !listening.signal.aborted && then(), ms);
  let loadedAt = 0;
  let loadedToken: string | null = null;
  let lastEdgeRefusal = 0;
  /** A passing message is shown (not started, network): the next metadata clears it. */
  let waiting = false;
  let restoring: AbortController | null = null;

  const load = (): void => {
    const token = host.grant()?.token;
    if (!token) return;
    restoring?.abort();
    video.src = withToken(playbackUrl, token);
    loadedAt = Date.now();
    loadedToken = token;
  };

  /**
   * A new `src` (the token of the moment) where the viewer was: a recording's position, or behind
   * live. At the live edge the browser starts at the edge by itself; at a recording's end the new
   * `src` waits at the start, where a press on play would begin anyway.
   */
  const reload = (): void => {
    const position = video.currentTime;
    const paused = video.paused;
    const live = video.duration === Infinity;
    const behind = live && video.seekable.length > 0 && video.seekable.end(video.seekable.length - 1) - position > BEHIND_LIVE_S;
    const keepPosition = (!live && !video.ended) || behind;
    load();
    restoring = new AbortController();
    const restore = () => {
      if (keepPosition) video.currentTime = position;
      if (!paused) void video.play().catch(() => undefined);
    };
    video.addEventListener('loadedmetadata', restore, { once: true, signal: restoring.signal });
  };

  /** The video does not say what the edge answered: ask the edge the same question. null: no answer. */
  const edgeStatus = async (): Promise<number | null> => {
    try {
      const response = await fetch(video.currentSrc || withToken(playbackUrl, host.grant()?.token ?? ''), { cache: 'no-store' });
      void response.body?.cancel();
      return response.status;
    } catch {
      return null;
    }
  };

  // The same reactions as hls.js's to the same answers (hls-playback.ts).
  on('error', async () => {
    const status = await edgeStatus();
    if (listening.signal.aborted) return;
    if (status === 401 || status === 403) {
      if (Date.now() - lastEdgeRefusal < REFUSED_AGAIN_MS) return host.stop(MESSAGES.unauthorized!);
      lastEdgeRefusal = Date.now();
      // The renewal may have swapped the src already (renewed below).
      if ((await host.renew()) && !listening.signal.aborted && host.grant()?.token !== loadedToken) reload();
      return;
    }
    if (status === 404) {
      if (host.grant()?.event.status === 'ended') return host.stop(MESSAGES.ended_no_recording!);
      host.inform(MESSAGES.not_started_stream!);
      waiting = true;
      return void later(2_000, () => {
        load();
        void video.play().catch(() => undefined);
      });
    }
    if (status === null) {
      host.inform(MESSAGES.network!);
      waiting = true;
      return void later(3_000, reload);
    }
    // The edge serves the stream and this browser still cannot play it.
    host.stop(t('playback_failed'));
  });
  on('loadedmetadata', () => {
    // Audio only has no picture size; a live stream has no end (until its playlist gets one).
    host.showAudioView(video.videoWidth === 0 && video.videoHeight === 0);
    host.showLive(video.duration === Infinity);
    if (!waiting) return;
    waiting = false;
    host.ready();
  });
  on('durationchange', () => host.showLive(video.duration === Infinity));

  load();
  // iOS loads nothing before play() is asked for: start (muted if need be) at once.
  host.ready();
  const lifetimeMs = tokenLifetimeMs(host.grant()?.token ?? '');
  const heartbeatMs = heartbeatIntervalMs(host.grant()?.token ?? '');
  return {
    renewed() {
      // A second's slack: timers run late, never early, but the clock read may differ by a tick.
      if (Date.now() - loadedAt + 2 * heartbeatMs + 1_000 >= lifetimeMs) reload();
    },
    destroy() {
      listening.abort();
      restoring?.abort();
      video.removeAttribute('src');
      video.load(); // stops loading the old URL now
    },
  };
}
