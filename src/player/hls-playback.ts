import Hls, { type HlsConfig } from 'hls.js';
import { MESSAGES, t } from './messages';
import { REFUSED_AGAIN_MS, type Playback, type PlaybackHost } from './playback';

/**
 * How close to the live edge to play. Low latency (LL-HLS): hls.js's own low-latency mode, which
 * aims at the playlist's PART-HOLD-BACK (a user-set liveSyncDuration* would override it) and
 * catches up by playing up to 1.5× fast when it falls behind. Normal: one segment behind the
 * live edge, 4–5 s glass-to-glass with 2 s segments instead of ~7 s.
 */
export function latencyConfig(latency: string | undefined): Partial<HlsConfig> {
  if (latency === 'low') return { lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5, backBufferLength: 30 };
  return { liveSyncDurationCount: 1 };
}

/**
 * Playback through hls.js (MediaSource): every request carries `Authorization: Bearer`, read at
 * the request, so a renewed token applies without a restart.
 */
export function startHlsPlayback(host: PlaybackHost, playbackUrl: string): Playback {
  let destroyed = false;
  let lastEdgeRefusal = 0;
  const hls = new Hls({
    ...latencyConfig(host.grant()?.event.latency),
    // Read the token at each request, so the heartbeat's fresh token applies without a restart.
    xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${host.grant()?.token ?? ''}`),
  });
  const later = (ms: number, then: () => void) => window.setTimeout(() => !destroyed && then(), ms);
  host.controls.attach(hls);
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    const status = data.response?.code;
    // The edge does not say why; the platform does (revoked, session ended…), or renews the token.
    if (status === 401 || status === 403) {
      if (Date.now() - lastEdgeRefusal < REFUSED_AGAIN_MS) return host.stop(MESSAGES.unauthorized!);
      lastEdgeRefusal = Date.now();
      return void host.renew().then((ok) => ok && !destroyed && hls.startLoad());
    }
    if (status === 404) {
      if (host.grant()?.event.status === 'ended') return host.stop(MESSAGES.ended_no_recording!);
      host.inform(MESSAGES.not_started_stream!);
      return later(2_000, () => hls.loadSource(playbackUrl));
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      host.inform(MESSAGES.network!);
      return later(3_000, () => hls.startLoad());
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
    host.stop(t('playback_failed'));
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => host.ready());
  // The tracks hls.js found in the first segment: a radio show or a concert's audio has no picture.
  hls.on(Hls.Events.BUFFER_CODECS, (_event, tracks) => host.showAudioView(!tracks.video && !!tracks.audio));
  // The playlist itself says whether the stream is live (no ENDLIST yet): the badge follows it
  // when a scheduled event goes on air, or a live one ends, while the page is open.
  hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => host.showLive(data.details.live));
  // How far behind the live edge it plays, once a second (0 until hls.js knows: not shown).
  const latencyTimer = window.setInterval(() => hls.latency > 0 && host.showLatency(hls.latency), 1_000);
  hls.loadSource(playbackUrl);
  hls.attachMedia(host.video);
  return {
    renewed: () => undefined, // the next request reads the new token
    destroy() {
      destroyed = true;
      window.clearInterval(latencyTimer);
      hls.destroy();
    },
  };
}
