import { icon } from './control-button';
import type { PlayerContext } from './player-context';
import { MUTED_BY_VIEWER } from './volume-control';

/**
 * The browser let playback start only muted (an emailed link, no click yet): a large "Unmute"
 * button over the picture. Not shown when the viewer muted it themselves.
 */
export function unmutePrompt(ctx: PlayerContext): HTMLButtonElement {
  const { video, labels } = ctx;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'sg-unmute';
  button.append(icon('muted'), document.createTextNode(labels.unmute));
  button.hidden = true;
  const render = () => {
    button.hidden = !(video.muted && !video.paused && !video.dataset[MUTED_BY_VIEWER]);
  };
  button.addEventListener('click', () => {
    video.muted = false;
    if (video.volume === 0) video.volume = 0.5;
  });
  for (const type of ['playing', 'pause', 'volumechange', 'emptied']) video.addEventListener(type, render);
  video.addEventListener('emptied', () => delete video.dataset[MUTED_BY_VIEWER]);
  return button;
}
