import type { PlayerContext } from './player-context';

/** A spinner while the video waits for data (buffering, a stall, a seek) and none once frames come. */
export function spinner(ctx: PlayerContext): HTMLElement {
  const { video, labels } = ctx;
  const element = document.createElement('div');
  element.className = 'sg-spinner';
  element.setAttribute('role', 'status');
  const text = document.createElement('span');
  text.className = 'sg-visually-hidden';
  element.append(text);
  const set = (waiting: boolean) => {
    element.hidden = !waiting;
    // Announced once when buffering starts; emptied so it is not read again later.
    text.textContent = waiting ? labels.loading : '';
  };
  for (const type of ['waiting', 'stalled', 'seeking', 'loadstart']) video.addEventListener(type, () => set(!video.paused || type === 'loadstart'));
  for (const type of ['playing', 'canplay', 'pause', 'seeked', 'emptied', 'error']) video.addEventListener(type, () => set(false));
  set(false);
  return element;
}
