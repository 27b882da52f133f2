import { childBoxes, findBox } from './box-stream.js';

export type TrackKind = 'video' | 'audio' | 'other';

/** What a fragment's durations and keyframes are read with: each track's clock and defaults. */
export interface TrackInfo {
  id: number;
  kind: TrackKind;
  /** Ticks per second of the track's timestamps (mdhd). */
  timescale: number;
  /** trex defaults, used when a fragment's tfhd/trun leave them out. */
  defaultSampleDuration: number;
  defaultSampleFlags: number;
}

const HANDLERS: Record<string, TrackKind> = { vide: 'video', soun: 'audio' };

/** The tracks an init segment's moov declares. */
export function readTracks(moov: Buffer): TrackInfo[] {
  const defaults = new Map<number, { duration: number; flags: number }>();
  const mvex = findBox(moov, 'mvex');
  for (const trex of mvex ? childBoxes(mvex).get('trex') ?? [] : []) {
    // full box: version/flags, track_ID, description index, duration, size, flags
    defaults.set(trex.readUInt32BE(12), { duration: trex.readUInt32BE(20), flags: trex.readUInt32BE(28) });
  }
  return (childBoxes(moov).get('trak') ?? []).map((trak) => {
    const tkhd = findBox(trak, 'tkhd');
    const mdhd = findBox(trak, 'mdia', 'mdhd');
    const hdlr = findBox(trak, 'mdia', 'hdlr');
    if (!tkhd || !mdhd || !hdlr) throw new Error('an MP4 track without tkhd, mdhd or hdlr');
    const id = tkhd.readUInt32BE(tkhd[8] === 1 ? 28 : 20);
    const timescale = mdhd.readUInt32BE(mdhd[8] === 1 ? 28 : 20);
    const kind = HANDLERS[hdlr.toString('latin1', 16, 20)] ?? 'other';
    const trex = defaults.get(id) ?? { duration: 0, flags: 0 };
    return { id, kind, timescale, defaultSampleDuration: trex.duration, defaultSampleFlags: trex.flags };
  });
}

/** The track whose samples time a fragment: the video if there is one (keyframes live there), else the audio. */
export function timingTrack(tracks: readonly TrackInfo[]): TrackInfo {
  const track = tracks.find((t) => t.kind === 'video') ?? tracks.find((t) => t.kind === 'audio');
  if (!track) throw new Error('the MP4 stream has neither a video nor an audio track');
  return track;
}
