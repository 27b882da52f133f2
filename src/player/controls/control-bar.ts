import { captionsButton } from './captions-button';
import { fullscreenButton } from './fullscreen-button';
import { liveButton } from './live-button';
import { pipButton } from './pip-button';
import { playButton } from './play-button';
import type { HlsAware, PlayerContext } from './player-context';
import { qualityMenu } from './quality-menu';
import { seekBar } from './seek-bar';
import { volumeControl } from './volume-control';

/**
 * The bar under the picture, in tab order: play, volume, LIVE/position, then (on the right)
 * captions, quality, picture in picture, full screen.
 */
export function controlBar(ctx: PlayerContext): { element: HTMLElement; hlsAware: HlsAware[] } {
  const bar = document.createElement('div');
  bar.className = 'sg-bar';
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', ctx.labels.controls);
  const spacer = document.createElement('div');
  spacer.className = 'sg-spacer';
  const captions = captionsButton(ctx);
  const quality = qualityMenu(ctx);
  bar.append(
    playButton(ctx),
    volumeControl(ctx),
    liveButton(ctx),
    seekBar(ctx),
    spacer,
    captions.element,
    quality.element,
    pipButton(ctx),
    fullscreenButton(ctx),
  );
  return { element: bar, hlsAware: [captions, quality] };
}
