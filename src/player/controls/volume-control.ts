import { iconButton, setIcon } from './control-button';
import type { PlayerContext } from './player-context';

/** Set by a viewer's own mute (button, key): the unmute prompt is only for muting the browser forced. */
export const MUTED_BY_VIEWER = 'sgMutedByViewer';

export function toggleMute(video: HTMLVideoElement): void {
  video.muted = !video.muted;
  if (video.muted) video.dataset[MUTED_BY_VIEWER] = '1';
  // Unmuting at volume 0 would stay silent: give it a sensible level.
  if (!video.muted && video.volume === 0) video.volume = 0.5;
}

export function changeVolume(video: HTMLVideoElement, delta: number): void {
  video.volume = Math.min(1, Math.max(0, Math.round((video.volume + delta) * 10) / 10));
  video.muted = video.volume === 0;
}

/** Mute button and a volume slider (a native range: arrow keys, screen readers and touch work). */
export function volumeControl(ctx: PlayerContext): HTMLElement {
  const { video, labels } = ctx;
  const group = document.createElement('div');
  group.className = 'sg-volume';
  const mute = iconButton('sg-mute', 'volume', labels.mute);
  const slider = document.createElement('input');
  slider.type = 'range';
  slider.className = 'sg-volume-slider';
  slider.min = '0';
  slider.max = '1';
  slider.step = '0.05';
  slider.setAttribute('aria-label', labels.volume);
  const render = () => {
    const silent = video.muted || video.volume === 0;
    setIcon(mute, silent ? 'muted' : 'volume');
    // A toggle keeps its name and says its state: "Mute, pressed".
    mute.setAttribute('aria-pressed', String(silent));
    slider.value = String(silent ? 0 : video.volume);
    slider.setAttribute('aria-valuetext', `${Math.round(Number(slider.value) * 100)}%`);
  };
  mute.addEventListener('click', () => toggleMute(video));
  slider.addEventListener('input', () => {
    video.volume = Number(slider.value);
    video.muted = video.volume === 0;
  });
  video.addEventListener('volumechange', render);
  render();
  group.append(mute, slider);
  return group;
}
