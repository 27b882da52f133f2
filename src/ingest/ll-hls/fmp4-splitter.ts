import { BoxStream } from './box-stream.js';
import { fragmentTiming } from './fragment-timing.js';
import { readTracks, timingTrack, type TrackInfo } from './mp4-tracks.js';

/** ftyp+moov: what a player needs before any fragment (the playlist's EXT-X-MAP). */
export interface InitSegment {
  bytes: Buffer;
  tracks: TrackInfo[];
}

/** One moof+mdat pair: the smallest piece FFmpeg hands over, and what a part is made of. */
export interface Fragment {
  bytes: Buffer;
  /** Where it starts on the timing track's clock, in seconds. */
  startSeconds: number;
  durationSeconds: number;
  /** Opens on a keyframe, so a segment may start with it. */
  independent: boolean;
}

export interface SplitterHandlers {
  onInit(init: InitSegment): void;
  onFragment(fragment: Fragment): void;
}

/**
 * Splits FFmpeg's fragmented MP4 (`-movflags frag_keyframe+empty_moov+default_base_moof`) into
 * the init segment and its fragments as they arrive on the pipe. Boxes it has no use for
 * (free, sidx, the closing mfra) are dropped; a fragment is handed over once its mdat is whole.
 */
export class Fmp4Splitter {
  private readonly boxes = new BoxStream();
  private ftyp: Buffer | null = null;
  private track: TrackInfo | null = null;
  private moof: Buffer | null = null;

  constructor(private readonly handlers: SplitterHandlers) {}

  push(chunk: Buffer): void {
    for (const box of this.boxes.push(chunk)) {
      switch (box.type) {
        case 'ftyp':
          this.ftyp = Buffer.from(box.bytes);
          break;
        case 'moov': {
          if (!this.ftyp) throw new Error('the MP4 stream has a moov before its ftyp');
          const tracks = readTracks(box.bytes);
          this.track = timingTrack(tracks);
          this.handlers.onInit({ bytes: Buffer.concat([this.ftyp, box.bytes]), tracks });
          break;
        }
        case 'moof':
          this.moof = Buffer.from(box.bytes);
          break;
        case 'mdat':
          this.fragment(box.bytes);
          break;
        default:
          break;
      }
    }
  }

  /** Bytes of an unfinished box: non-zero at the end of the stream means FFmpeg was cut off mid-box. */
  get buffered(): number {
    return this.boxes.buffered;
  }

  private fragment(mdat: Buffer): void {
    const moof = this.moof;
    this.moof = null;
    if (!moof || !this.track) throw new Error('the MP4 stream has an mdat without its moof or moov');
    const timing = fragmentTiming(moof, this.track);
    if (!timing) return; // nothing of the timing track: only possible at the very end; nothing to time it by
    const { timescale } = this.track;
    this.handlers.onFragment({
      bytes: Buffer.concat([moof, mdat]),
      startSeconds: timing.baseTime / timescale,
      durationSeconds: timing.duration / timescale,
      independent: timing.independent,
    });
  }
}
