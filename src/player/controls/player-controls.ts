import Hls from 'hls.js';
import { autoHide } from './auto-hide';
import { controlBar } from './control-bar';
import { toggleFullscreen } from './fullscreen-button';
import { keyboardShortcuts } from './keyboard';
import { labelsFor } from './labels';
import { togglePlay } from './play-button';
import type { PlayerContext } from './player-context';
import { spinner } from './spinner';
import { unmutePrompt } from './unmute-prompt';

export interface PlayerControls {
  /** Follow this hls.js instance (levels, subtitles, live edge) until it is destroyed. */
  attach(hls: Hls): void;
}

/**
 * Puts the video in a stage (the element that goes full screen) with the custom bar, a spinner and
 * the unmute prompt, and turns the browser's own controls off. Without hls.js (native HLS on
 * iPhones before iOS 17.1, native-playback.ts) the same controls work on the <video> element
 * alone; there is no quality menu (the browser picks the rendition) and captions are its own text tracks.
 */
export function mountControls(video: HTMLVideoElement, language: string): PlayerControls {
  const stage = document.createElement('div');
  stage.className = 'sg-stage';
  video.replaceWith(stage);
  video.controls = false;
  const ctx: PlayerContext = { video, stage, labels: labelsFor(language), hls: null };
  const bar = controlBar(ctx);
  stage.append(video, spinner(ctx), unmutePrompt(ctx), bar.element);
  autoHide(ctx, bar.element);
  keyboardShortcuts(ctx);
  // A click on the picture plays or pauses; a tap only shows the bar (auto-hide). Safari's click
  // event has no pointerType, so remember what pressed.
  let pressedBy = 'mouse';
  video.addEventListener('pointerdown', (event) => (pressedBy = event.pointerType));
  video.addEventListener('click', () => pressedBy !== 'touch' && togglePlay(video));
  // The button's way: on an iPhone only the bare video goes full screen (webkitEnterFullscreen).
  video.addEventListener('dblclick', () => toggleFullscreen(ctx));
  return {
    attach(hls) {
      ctx.hls = hls;
      for (const control of bar.hlsAware) control.attach(hls);
      hls.once(Hls.Events.DESTROYING, () => {
        if (ctx.hls !== hls) return; // a newer instance already took over
        ctx.hls = null;
        for (const control of bar.hlsAware) control.detach();
      });
    },
  };
}
