import type { PlayerContext } from './player-context';

const IDLE_MS = 3_000;

/**
 * While playing, the bar fades out after 3 s without pointer or key activity, so it does not
 * cover the picture. It stays while paused, while a menu is open, and while keyboard focus is in
 * it (focus is never hidden). On touch screens a tap on the picture shows or hides it.
 */
export function autoHide(ctx: PlayerContext, bar: HTMLElement): void {
  const { video, stage } = ctx;
  let timer: number | undefined;
  const mustStay = () =>
    video.paused || bar.querySelector('[aria-expanded="true"]') !== null || bar.querySelector(':focus-visible') !== null;
  const hide = () => {
    if (mustStay()) return;
    stage.classList.add('sg-idle');
  };
  const show = () => {
    stage.classList.remove('sg-idle');
    window.clearTimeout(timer);
    timer = window.setTimeout(hide, IDLE_MS);
  };
  for (const type of ['pointermove', 'pointerdown', 'focusin', 'keydown', 'sg-activity']) {
    stage.addEventListener(type, (event) => {
      if (event instanceof PointerEvent && event.pointerType === 'touch') return; // taps are handled below
      show();
    });
  }
  stage.addEventListener('pointerleave', (event) => event.pointerType === 'mouse' && !video.paused && hide());
  // A tap on the picture (not on a control) toggles the bar; on a desktop a click plays or pauses.
  video.addEventListener('pointerup', (event) => {
    if (event.pointerType !== 'touch') return;
    if (stage.classList.contains('sg-idle')) show();
    else if (!mustStay()) {
      window.clearTimeout(timer);
      stage.classList.add('sg-idle');
    }
  });
  bar.addEventListener('pointerdown', (event) => event.pointerType === 'touch' && show());
  video.addEventListener('play', show);
  video.addEventListener('pause', show);
}
