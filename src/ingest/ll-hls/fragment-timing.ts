import { childBoxes, findBox } from './box-stream.js';
import type { TrackInfo } from './mp4-tracks.js';

/** One track's samples in a moof: when they start, how long they last, whether they open on a keyframe. */
export interface FragmentTiming {
  /** tfdt's base media decode time, in the track's timescale. */
  baseTime: number;
  /** The sum of the samples' durations, in the track's timescale. */
  duration: number;
  /** The first sample is a sync sample (a keyframe): a segment may start here. */
  independent: boolean;
}

// tfhd flags
const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_DESCRIPTION_INDEX = 0x2;
const TFHD_DEFAULT_DURATION = 0x8;
const TFHD_DEFAULT_SIZE = 0x10;
const TFHD_DEFAULT_FLAGS = 0x20;
// trun flags
const TRUN_DATA_OFFSET = 0x1;
const TRUN_FIRST_FLAGS = 0x4;
const TRUN_DURATION = 0x100;
const TRUN_SIZE = 0x200;
const TRUN_FLAGS = 0x400;
const TRUN_COMPOSITION = 0x800;
/** sample_is_non_sync_sample, in the sample flags (ISO/IEC 14496-12, 8.8.3.1). */
const NON_SYNC = 0x10000;

/** The timing of `track`'s samples in a moof box, or null when the fragment carries none of them. */
export function fragmentTiming(moof: Buffer, track: TrackInfo): FragmentTiming | null {
  for (const traf of childBoxes(moof).get('traf') ?? []) {
    const tfhd = findBox(traf, 'tfhd');
    if (!tfhd || tfhd.readUInt32BE(12) !== track.id) continue;
    const tfhdFlags = tfhd.readUInt32BE(8) & 0xffffff;
    let offset = 16;
    if (tfhdFlags & TFHD_BASE_DATA_OFFSET) offset += 8;
    if (tfhdFlags & TFHD_DESCRIPTION_INDEX) offset += 4;
    let defaultDuration = track.defaultSampleDuration;
    let defaultFlags = track.defaultSampleFlags;
    if (tfhdFlags & TFHD_DEFAULT_DURATION) (defaultDuration = tfhd.readUInt32BE(offset)), (offset += 4);
    if (tfhdFlags & TFHD_DEFAULT_SIZE) offset += 4;
    if (tfhdFlags & TFHD_DEFAULT_FLAGS) defaultFlags = tfhd.readUInt32BE(offset);

    const tfdt = findBox(traf, 'tfdt');
    if (!tfdt) throw new Error('an MP4 fragment without tfdt cannot be placed in time');
    const baseTime = tfdt[8] === 1 ? Number(tfdt.readBigUInt64BE(12)) : tfdt.readUInt32BE(12);

    let duration = 0;
    let firstFlags: number | null = null;
    for (const trun of childBoxes(traf).get('trun') ?? []) {
      const flags = trun.readUInt32BE(8) & 0xffffff;
      const count = trun.readUInt32BE(12);
      let at = 16;
      if (flags & TRUN_DATA_OFFSET) at += 4;
      let runFirstFlags: number | null = null;
      if (flags & TRUN_FIRST_FLAGS) (runFirstFlags = trun.readUInt32BE(at)), (at += 4);
      for (let i = 0; i < count; i += 1) {
        let sampleDuration = defaultDuration;
        let sampleFlags = i === 0 && runFirstFlags !== null ? runFirstFlags : defaultFlags;
        if (flags & TRUN_DURATION) (sampleDuration = trun.readUInt32BE(at)), (at += 4);
        if (flags & TRUN_SIZE) at += 4;
        if (flags & TRUN_FLAGS) {
          const own = trun.readUInt32BE(at);
          at += 4;
          if (!(i === 0 && runFirstFlags !== null)) sampleFlags = own;
        }
        if (flags & TRUN_COMPOSITION) at += 4;
        if (firstFlags === null) firstFlags = sampleFlags;
        duration += sampleDuration;
      }
    }
    if (firstFlags === null) return null;
    // Audio samples are all sync samples, whatever the flags say.
    return { baseTime, duration, independent: track.kind !== 'video' || (firstFlags & NON_SYNC) === 0 };
  }
  return null;
}
