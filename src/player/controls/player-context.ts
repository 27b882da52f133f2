import type Hls from 'hls.js';
import type { LabelKey } from './labels';

/** What every control works with: the video, the stage around it, the texts, and hls.js when it plays. */
export interface PlayerContext {
  video: HTMLVideoElement;
  /** The container that goes full screen, so the bar stays visible there. */
  stage: HTMLElement;
  labels: Record<LabelKey, string>;
  /** null on native HLS (Safari, iOS) and before playback starts. */
  hls: Hls | null;
}

/** A control that follows hls.js: told when an instance starts and when it goes away. */
export interface HlsAware {
  attach(hls: Hls): void;
  detach(): void;
}
