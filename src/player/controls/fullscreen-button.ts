import { iconButton, setIcon, setLabel } from './control-button';
import type { PlayerContext } from './player-context';

interface IosVideo extends HTMLVideoElement {
  webkitEnterFullscreen?: () => void;
  webkitSupportsFullscreen?: boolean;
}

/** iPhones cannot make an element full screen, only the bare video (with the system's own controls). */
function canFullscreen(ctx: PlayerContext): boolean {
  return document.fullscreenEnabled || Boolean((ctx.video as IosVideo).webkitEnterFullscreen);
}

export function toggleFullscreen(ctx: PlayerContext): void {
  if (document.fullscreenElement) return void document.exitFullscreen().catch(() => undefined);
  // The stage, not the video: the custom bar and overlays stay on screen.
  if (document.fullscreenEnabled) return void ctx.stage.requestFullscreen().catch(() => undefined);
  (ctx.video as IosVideo).webkitEnterFullscreen?.();
}

export function fullscreenButton(ctx: PlayerContext): HTMLButtonElement {
  const { labels, stage } = ctx;
  const button = iconButton('sg-fullscreen', 'fullscreen', labels.fullscreen);
  button.hidden = !canFullscreen(ctx);
  const render = () => {
    const on = document.fullscreenElement === stage;
    setIcon(button, on ? 'exitFullscreen' : 'fullscreen');
    setLabel(button, on ? labels.exitFullscreen : labels.fullscreen);
  };
  button.addEventListener('click', () => toggleFullscreen(ctx));
  document.addEventListener('fullscreenchange', render);
  return button;
}
