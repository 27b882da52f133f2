import Hls from 'hls.js';
import { iconButton } from './control-button';
import type { HlsAware, PlayerContext } from './player-context';

/**
 * CC on/off when the stream has subtitles: hls.js's subtitle tracks, or on native HLS the video's
 * own text tracks. Shown only when there is something to turn on.
 */
export function captionsButton(ctx: PlayerContext): { element: HTMLButtonElement } & HlsAware {
  const { video, labels } = ctx;
  const button = iconButton('sg-captions', 'captions', labels.captions);
  let hls: Hls | null = null;
  const nativeTracks = () => Array.from(video.textTracks).filter((t) => t.kind === 'subtitles' || t.kind === 'captions');
  const isOn = () => (hls ? hls.subtitleTrack >= 0 && hls.subtitleDisplay : nativeTracks().some((t) => t.mode === 'showing'));
  const render = () => {
    button.hidden = hls ? hls.subtitleTracks.length === 0 : nativeTracks().length === 0;
    button.setAttribute('aria-pressed', String(isOn()));
  };
  button.addEventListener('click', () => {
    const on = !isOn();
    if (hls) {
      // The viewer's language first, else the playlist's default, else the first track.
      const wanted = hls.subtitleTracks.findIndex((t) => t.lang && navigator.language.startsWith(t.lang));
      const fallback = hls.subtitleTracks.findIndex((t) => t.default);
      hls.subtitleDisplay = on;
      hls.subtitleTrack = on ? (wanted >= 0 ? wanted : Math.max(0, fallback)) : -1;
    } else {
      nativeTracks().forEach((t, i) => (t.mode = on && i === 0 ? 'showing' : 'disabled'));
    }
    render();
  });
  video.textTracks.addEventListener('addtrack', render);
  video.textTracks.addEventListener('change', render);
  render();
  return {
    element: button,
    attach(next) {
      hls = next;
      next.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, render);
      next.on(Hls.Events.SUBTITLE_TRACK_SWITCH, render);
      render();
    },
    detach() {
      hls = null;
      render();
    },
  };
}
