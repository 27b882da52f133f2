import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Log } from '../../core/log.js';
import { Fmp4Splitter } from './fmp4-splitter.js';
import { llMasterPlaylist, PART_TARGET_SECONDS, type LlOutput } from './ll-hls-args.js';
import { LL_PLAYLIST, LlSegmenter } from './ll-segmenter.js';
import { publishFile } from './published-file.js';

export interface LlRunOptions {
  /** The event's folder: the master playlist goes here when there are renditions. */
  dir: string;
  outputs: readonly LlOutput[];
  segmentSeconds: number;
  clock: () => number;
  log: Log;
  /** A whole segment is listed in the first rendition's playlist: the stream is playable. */
  onFirstSegment(): void;
}

/**
 * One FFmpeg run of a low-latency event: each of its fMP4 pipes split and segmented into its
 * rendition's folder. A later run (FFmpeg restarted, or the publisher back) continues the same
 * playlists after a discontinuity.
 */
export class LlRun {
  private readonly segmenters: LlSegmenter[];
  private notified = false;
  private broken = false;

  constructor(private readonly options: LlRunOptions) {
    const { dir, outputs, segmentSeconds, clock } = options;
    if (outputs.some((o) => o.rendition)) {
      fs.mkdirSync(dir, { recursive: true });
      publishFile(path.join(dir, LL_PLAYLIST), llMasterPlaylist(outputs, LL_PLAYLIST));
    }
    this.segmenters = outputs.map((output, i) => {
      const before = readSegmentCount(output.dir);
      return new LlSegmenter({
        dir: output.dir,
        segmentSeconds,
        partTarget: PART_TARGET_SECONDS,
        clock,
        onPlaylist: (playlist) => {
          if (i !== 0 || this.notified || playlist.segments.length <= before) return;
          this.notified = true;
          this.options.onFirstSegment();
        },
      });
    });
  }

  /** Reads FFmpeg's pipes. A pipe that brings garbage stops FFmpeg: a restart starts clean. */
  attach(child: ChildProcess): void {
    this.options.outputs.forEach((output, i) => {
      const segmenter = this.segmenters[i]!;
      const splitter = new Fmp4Splitter({ onInit: (init) => segmenter.init(init), onFragment: (fragment) => segmenter.fragment(fragment) });
      const pipe = child.stdio[output.fd] as NodeJS.ReadableStream | null;
      pipe?.on('data', (chunk: Buffer) => {
        if (this.broken) return;
        try {
          splitter.push(chunk);
        } catch (error) {
          this.broken = true;
          this.options.log.error('cannot read FFmpeg\'s fragmented MP4; restarting it', { rendition: output.rendition?.name, error: String(error) });
          child.kill('SIGKILL');
        }
      });
    });
  }

  /** FFmpeg has exited: the segments being built close, the parts go, the playlists wait for more. */
  stop(): void {
    for (const segmenter of this.segmenters) {
      try {
        segmenter.stop();
      } catch (error) {
        this.options.log.error('cannot close the low-latency playlist', { error: String(error) });
      }
    }
  }
}

function readSegmentCount(dir: string): number {
  try {
    return (fs.readFileSync(path.join(dir, LL_PLAYLIST), 'utf8').match(/^#EXTINF:/gm) ?? []).length;
  } catch {
    return 0;
  }
}
