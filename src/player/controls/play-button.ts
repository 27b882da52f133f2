import { iconButton, setIcon, setLabel } from './control-button';
import type { PlayerContext } from './player-context';

export function togglePlay(video: HTMLVideoElement): void {
  if (video.paused || video.ended) void video.play().catch(() => undefined);
  else video.pause();
}

/** Play/pause: its label says what a press does next. */
export function playButton(ctx: PlayerContext): HTMLButtonElement {
  const { video, labels } = ctx;
  const button = iconButton('sg-play', 'play', labels.play);
  const render = () => {
    const paused = video.paused || video.ended;
    setIcon(button, paused ? 'play' : 'pause');
    setLabel(button, paused ? labels.play : labels.pause);
  };
  button.addEventListener('click', () => togglePlay(video));
  for (const type of ['play', 'pause', 'ended', 'emptied']) video.addEventListener(type, render);
  render();
  return button;
}
