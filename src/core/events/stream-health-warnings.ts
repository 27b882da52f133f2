import type { StreamFigures } from './stream-health.js';

export interface HealthWarning {
  code: 'keyframe_interval' | 'slow_ffmpeg' | 'slow_input' | 'dropped_frames' | 'stale' | 'rehearsal';
  message: string;
}

/**
 * FFmpeg's speed and the publisher's pace wobble by a few frames per window even when all is
 * well: below this they are really behind real time (the issue asks for a warning below 1.0×).
 */
export const SPEED_FLOOR = 0.97;
/** Keyframes this close to the segment length count as on it (timestamps are in milliseconds). */
const KEYFRAME_TOLERANCE_SECONDS = 0.1;

/** What the operator should act on, in plain words; the figures themselves go beside them. */
export function healthWarnings(figures: StreamFigures, segmentSeconds: number, stale: boolean, rehearsal: boolean): HealthWarning[] {
  const warnings: HealthWarning[] = [];
  if (stale) warnings.push({ code: 'stale', message: 'The ingest has stopped reporting: these figures are old (is the ingest running?).' });
  if (rehearsal) warnings.push({ code: 'rehearsal', message: 'Rehearsal: the event has not started, so viewers cannot watch yet; the preview shows the stream.' });
  const keyframes = figures.keyframeIntervalSeconds;
  if (keyframes !== null && Math.abs(keyframes - segmentSeconds) > KEYFRAME_TOLERANCE_SECONDS) {
    warnings.push({
      code: 'keyframe_interval',
      message: `Keyframe interval is ${round(keyframes)} s but segments are ${round(segmentSeconds)} s: set the encoder's keyframe interval to ${round(segmentSeconds)} s (OBS: Settings → Output → Keyframe Interval).`,
    });
  }
  if (figures.speed !== null && figures.speed < SPEED_FLOOR) {
    warnings.push({ code: 'slow_ffmpeg', message: `FFmpeg runs at ${figures.speed.toFixed(2)}× real time: it cannot keep up (a smaller ladder, or copy, needs less CPU).` });
  }
  if (figures.inputSpeed !== null && figures.inputSpeed < SPEED_FLOOR) {
    warnings.push({ code: 'slow_input', message: `The stream arrives at ${figures.inputSpeed.toFixed(2)}× real time: the publisher's upload cannot keep up (lower its bitrate).` });
  }
  if (figures.droppedFrames) warnings.push({ code: 'dropped_frames', message: `FFmpeg dropped ${figures.droppedFrames} frames.` });
  return warnings;
}

const round = (n: number) => Math.round(n * 10) / 10;
