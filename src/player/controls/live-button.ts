import { isBehindLive, liveEdge, seekToLive } from './live-edge';
import type { PlayerContext } from './player-context';

/**
 * "LIVE" while playing at the live edge, "Go live" when paused or behind; a press jumps to the
 * edge. Hidden for a recording. Checked twice a second: the edge moves on while the video waits.
 */
export function liveButton(ctx: PlayerContext): HTMLButtonElement {
  const { labels } = ctx;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'sg-button sg-live';
  const dot = document.createElement('span');
  dot.className = 'sg-live-dot';
  dot.setAttribute('aria-hidden', 'true');
  const text = document.createElement('span');
  button.append(dot, text);
  const render = () => {
    const live = liveEdge(ctx) !== null;
    button.hidden = !live;
    if (!live) return;
    const behind = ctx.video.paused || isBehindLive(ctx);
    button.classList.toggle('sg-behind', behind);
    const label = behind ? labels.goLive : labels.live;
    if (text.textContent !== label) text.textContent = label;
    button.title = behind ? labels.goLiveHint : '';
  };
  button.addEventListener('click', () => seekToLive(ctx));
  for (const type of ['timeupdate', 'pause', 'play', 'seeked', 'emptied']) ctx.video.addEventListener(type, render);
  window.setInterval(render, 500);
  render();
  return button;
}
