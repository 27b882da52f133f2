import type { PlayerContext } from './player-context';

export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
}

/** Position and elapsed/total time for a recording; hidden for a live stream (the LIVE button serves there). */
export function seekBar(ctx: PlayerContext): HTMLElement {
  const { video, labels } = ctx;
  const group = document.createElement('div');
  group.className = 'sg-seek';
  const slider = document.createElement('input');
  slider.type = 'range';
  slider.min = '0';
  slider.step = '1';
  slider.setAttribute('aria-label', labels.seek);
  const time = document.createElement('span');
  time.className = 'sg-time';
  time.setAttribute('aria-hidden', 'true'); // the slider's value text says the same
  group.append(slider, time);
  let dragging = false;
  const render = () => {
    const finite = Number.isFinite(video.duration) && video.duration > 0 && !ctx.hls?.latestLevelDetails?.live;
    group.hidden = !finite;
    if (!finite) return;
    slider.max = String(Math.floor(video.duration));
    if (!dragging) slider.value = String(Math.floor(video.currentTime));
    const text = `${clock(Number(slider.value))} / ${clock(video.duration)}`;
    time.textContent = text;
    slider.setAttribute('aria-valuetext', text);
  };
  slider.addEventListener('pointerdown', () => (dragging = true));
  slider.addEventListener('pointerup', () => (dragging = false));
  slider.addEventListener('input', () => {
    video.currentTime = Number(slider.value);
    render();
  });
  for (const type of ['timeupdate', 'durationchange', 'loadedmetadata', 'emptied']) video.addEventListener(type, render);
  render();
  return group;
}
