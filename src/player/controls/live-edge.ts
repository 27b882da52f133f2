import type { PlayerContext } from './player-context';

/**
 * Where "live" is: hls.js's `liveSyncPosition` (a segment behind the newest, where it starts a live
 * stream), or on native HLS the end of what can be seeked. null for a recording.
 */
export function liveEdge(ctx: PlayerContext): number | null {
  const { hls, video } = ctx;
  if (hls) {
    const details = hls.latestLevelDetails;
    if (!details?.live) return null;
    return hls.liveSyncPosition ?? null;
  }
  if (video.duration !== Infinity || video.seekable.length === 0) return null;
  return video.seekable.end(video.seekable.length - 1);
}

/** How far behind counts as "behind": two segments, and never less than 3 s (a segment's jitter). */
export function behindThreshold(ctx: PlayerContext): number {
  return Math.max(3, 2 * (ctx.hls?.latestLevelDetails?.targetduration ?? 2));
}

export function isBehindLive(ctx: PlayerContext): boolean {
  const edge = liveEdge(ctx);
  return edge !== null && edge - ctx.video.currentTime > behindThreshold(ctx);
}

export function seekToLive(ctx: PlayerContext): void {
  const edge = liveEdge(ctx);
  if (edge === null) return;
  ctx.video.currentTime = edge;
  void ctx.video.play().catch(() => undefined);
}
