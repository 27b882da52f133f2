import { toggleFullscreen } from './fullscreen-button';
import { isBehindLive, liveEdge, seekToLive } from './live-edge';
import { togglePlay } from './play-button';
import type { PlayerContext } from './player-context';
import { changeVolume, toggleMute } from './volume-control';

const SEEK_SECONDS = 5;

/** Focus on something that uses these keys itself: a button (space presses it), a field, a slider, a menu. */
function keysBelongToTarget(target: EventTarget | null, key: string): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest('input, textarea, select, [contenteditable], [role="menu"], details')) return true;
  return (key === ' ' || key === 'Enter') && target.closest('button, a, summary') !== null;
}

/**
 * Shortcuts while the player is on screen: space or k play/pause, f full screen, m mute,
 * ←/→ 5 s back/forward, ↑/↓ volume. Pressing ← on a live stream goes back in the window; → stops at the edge.
 */
export function keyboardShortcuts(ctx: PlayerContext): void {
  const { video, stage } = ctx;
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (stage.getClientRects().length === 0) return; // the player is not shown (code entry)
    if (keysBelongToTarget(event.target, event.key)) return;
    const handled = handle(ctx, event.key);
    if (!handled) return;
    event.preventDefault();
    stage.dispatchEvent(new Event('sg-activity')); // the bar shows what changed
  });

  function handle(ctx: PlayerContext, key: string): boolean {
    switch (key.length === 1 ? key.toLowerCase() : key) {
      case ' ': case 'k': togglePlay(video); return true;
      case 'f': toggleFullscreen(ctx); return true;
      case 'm': toggleMute(video); return true;
      case 'ArrowUp': changeVolume(video, 0.1); return true;
      case 'ArrowDown': changeVolume(video, -0.1); return true;
      case 'ArrowLeft': video.currentTime = Math.max(video.seekable.length ? video.seekable.start(0) : 0, video.currentTime - SEEK_SECONDS); return true;
      case 'ArrowRight': {
        const edge = liveEdge(ctx);
        if (edge !== null && !isBehindLive(ctx)) return true; // already live: nothing ahead
        if (edge !== null && edge - video.currentTime <= SEEK_SECONDS) seekToLive(ctx);
        else video.currentTime = Math.min(Number.isFinite(video.duration) ? video.duration : Infinity, video.currentTime + SEEK_SECONDS);
        return true;
      }
      default: return false;
    }
  }
}
