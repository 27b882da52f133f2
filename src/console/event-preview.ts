import Hls from 'hls.js';
import { api } from './api.js';
import { h } from './dom.js';
import { attempt, notify } from './notice.js';

interface PreviewGrant {
  token: string;
  expiresAt: string;
  playbackUrl: string;
  /** `low`: LL-HLS, played as the viewers' player does (src/player/hls-playback.ts latencyConfig). */
  latency?: string;
}

/** A fresh token this long before the current one expires. */
const RENEW_BEFORE_MS = 60_000;

/** The same hls.js settings as a viewer's player, so the preview shows the latency viewers get. */
const latencyConfig = (latency: string | undefined) =>
  latency === 'low' ? { lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5, backBufferLength: 30 } : { liveSyncDurationCount: 1 };

/** "LIVE · 1.6 s": how far behind the playlist's live edge the preview plays, as hls.js measures it. */
export function liveBadgeText(latencySeconds: number): string {
  return Number.isFinite(latencySeconds) && latencySeconds > 0 ? `LIVE · ${latencySeconds.toFixed(1)} s` : 'LIVE';
}

/**
 * The operator's preview of an event through the edge, rehearsals included: an admin-issued token
 * (audited, no code, counted as no viewer), renewed before it expires, for as long as the preview
 * plays. Started by a click, so merely opening the event page issues nothing. Muted: it starts
 * without a gesture in every browser, and a console tab should not suddenly talk.
 */
export function eventPreview(eventId: string) {
  const video = h('video', { id: 'preview-video', muted: true, playsinline: true, controls: true, 'aria-label': 'Preview' });
  video.muted = true;
  const start = h('button', { type: 'button', class: 'secondary' }, 'Start preview');
  const stopButton = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Stop preview');
  const state = h('p', { class: 'hint', role: 'status' }, 'The preview plays the stream as viewers get it (a few seconds behind the publisher). It counts as no viewer.');
  // Not a live region: read out every second it would drown everything else; the title says what it is.
  const badge = h('span', { id: 'preview-live', class: 'live', hidden: true, title: 'Seconds behind the live edge, as the preview measures it (viewers see about the same)' }, 'LIVE');
  let hls: Hls | null = null;
  let grant: PreviewGrant | null = null;
  let renewTimer: number | undefined;
  let badgeTimer: number | undefined;

  const renew = async () => {
    grant = await api<PreviewGrant>('POST', `/api/admin/events/${encodeURIComponent(eventId)}/preview`);
    window.clearTimeout(renewTimer);
    renewTimer = window.setTimeout(() => void renew().catch(() => undefined), Math.max(5_000, Date.parse(grant.expiresAt) - Date.now() - RENEW_BEFORE_MS));
    return grant;
  };

  const stop = () => {
    window.clearTimeout(renewTimer);
    window.clearInterval(badgeTimer);
    badge.hidden = true;
    hls?.destroy();
    hls = null;
    video.removeAttribute('src');
    start.hidden = false;
    stopButton.hidden = true;
  };

  start.addEventListener('click', () => void attempt(async () => {
    if (!Hls.isSupported()) throw new Error('This browser cannot play the preview (no Media Source Extensions).');
    const { playbackUrl, latency } = await renew();
    hls = new Hls({
      ...latencyConfig(latency),
      xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${grant?.token ?? ''}`),
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) return hls?.recoverMediaError();
      // No playlist yet (nobody publishes), or the token was refused: say so, try again shortly.
      state.textContent = data.response?.code === 404 ? 'Nothing to preview yet: no stream has been published.' : 'The preview stopped; trying again…';
      window.setTimeout(() => hls?.loadSource(playbackUrl), 3_000);
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      state.textContent = 'Previewing.';
      void video.play().catch(() => undefined);
    });
    // The playlist says whether the stream is live (no ENDLIST yet); the badge follows it.
    hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => void (badge.hidden = !data.details.live));
    window.clearInterval(badgeTimer);
    badgeTimer = window.setInterval(() => void (badge.textContent = liveBadgeText(hls?.latency ?? 0)), 1_000);
    hls.loadSource(playbackUrl);
    hls.attachMedia(video);
    start.hidden = true;
    stopButton.hidden = false;
    notify('Preview started (recorded in the audit log).');
  }));
  stopButton.addEventListener('click', stop);
  // Leaving the event page ends the preview: no token is renewed for a page nobody sees.
  window.addEventListener('hashchange', stop, { once: true });

  const element = h('section', { class: 'card preview', 'aria-label': 'Preview' },
    h('div', { class: 'preview-head' }, h('h2', {}, 'Preview'), badge), video, h('div', { class: 'buttons' }, start, stopButton), state);
  return { element, stop };
}
