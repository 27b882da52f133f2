import type { StreamFigures } from '../core/events/stream-health.js';
import { parseFlvTag } from './flv-tracks.js';

/**
 * Measures a publisher's stream from the FLV tags node-media-server hands us, one tag per chunk:
 * the metadata the encoder announced (resolution, encoder), the codecs, and from the packets
 * themselves the frame rate, the keyframe interval, the bitrate in and the pace against the wall
 * clock. Windows are a few seconds long, so a figure follows a change in OBS within seconds.
 */

const TAG_SCRIPT = 18;
/** Bitrate, frame rate and pace are measured over this much wall time. */
export const WINDOW_MS = 10_000;
/** The keyframe interval reported is the longest of this many recent ones. */
const KEYFRAMES_KEPT = 4;

/** The figures a publisher's FLV gives (the rest of StreamFigures comes from FFmpeg's progress). */
export type MeteredFigures = Pick<
  StreamFigures,
  'width' | 'height' | 'frameRate' | 'videoCodec' | 'audioCodec' | 'bitrateInKbps' | 'keyframeIntervalSeconds' | 'inputSpeed' | 'encoder'
>;

interface Sample {
  at: number;
  bytes: number;
  /** The tag's timestamp (ms, stream time). */
  ts: number;
  videoFrame: boolean;
}

export class StreamMeter {
  private samples: Sample[] = [];
  private keyframeTimes: number[] = [];
  private metadata: Record<string, unknown> = {};
  private videoCodec: string | null = null;
  private audioCodec: string | null = null;

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * One chunk from the broadcast: a whole FLV tag, or the file header. `live` is false for the
   * tags a new subscriber is sent from the broadcast's cache: they tell codecs, not rates.
   */
  feed(chunk: Buffer, live = true): void {
    if (chunk.length < 12 || chunk.toString('latin1', 0, 3) === 'FLV') return; // the file header
    const type = chunk[0]! & 0x1f;
    const ts = flvTimestamp(chunk);
    const data = chunk.subarray(11, chunk.length - 4);
    if (type === TAG_SCRIPT) {
      const metadata = readOnMetaData(data);
      if (metadata) this.metadata = metadata;
      return;
    }
    const tag = parseFlvTag(chunk);
    if (tag?.kind === 'audio') this.audioCodec ??= tag.codec;
    let videoFrame = false;
    if (tag?.kind === 'video') {
      this.videoCodec ??= tag.codec;
      const first = data[0]!;
      const enhanced = (first & 0x80) !== 0;
      const frameType = enhanced ? (first >> 4) & 0x07 : first >> 4;
      const low = first & 0x0f; // legacy: the codec id; enhanced RTMP: the packet type
      // AVC and HEVC carry a packet type next: 1 is a coded frame (0 the sequence header, 2 the end).
      // Enhanced RTMP's coded frames are packet types 1 and 3. Frame type 5 is a command, no picture.
      videoFrame = frameType !== 5 && (enhanced ? low === 1 || low === 3 : low === 7 || low === 12 ? data[1] === 1 : true);
      if (videoFrame && frameType === 1 && live) this.keyframe(ts);
    }
    if (!live || !tag) return;
    const now = this.clock();
    this.samples.push({ at: now, bytes: chunk.length, ts, videoFrame });
    const from = now - WINDOW_MS;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.at < from) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  figures(): MeteredFigures {
    const now = this.clock();
    const window = this.samples.filter((s) => s.at >= now - WINDOW_MS);
    const first = window[0];
    const last = window.at(-1);
    const wallSeconds = first && last ? (last.at - first.at) / 1000 : 0;
    const enough = wallSeconds >= 2;
    const frames = window.filter((s) => s.videoFrame);
    const frameSpan = frames.length > 1 ? (frames.at(-1)!.ts - frames[0]!.ts) / 1000 : 0;
    const intervals = this.keyframeTimes.slice(1).map((t, i) => (t - this.keyframeTimes[i]!) / 1000);
    const number = (key: string) => (typeof this.metadata[key] === 'number' && Number.isFinite(this.metadata[key]) && (this.metadata[key] as number) > 0 ? (this.metadata[key] as number) : null);
    return {
      width: number('width'),
      height: number('height'),
      frameRate: frameSpan > 0 ? round((frames.length - 1) / frameSpan, 2) : null,
      videoCodec: this.videoCodec,
      audioCodec: this.audioCodec,
      bitrateInKbps: enough ? Math.round((window.reduce((sum, s) => sum + s.bytes, 0) * 8) / 1000 / wallSeconds) : null,
      keyframeIntervalSeconds: intervals.length > 0 ? round(Math.max(...intervals), 3) : null,
      inputSpeed: enough ? round((last!.ts - first!.ts) / 1000 / wallSeconds, 3) : null,
      encoder: typeof this.metadata.encoder === 'string' ? this.metadata.encoder.slice(0, 100) : null,
    };
  }

  private keyframe(ts: number): void {
    if (this.keyframeTimes.at(-1) === ts) return;
    // A new publish, or a timestamp jump, starts the count again.
    if (this.keyframeTimes.length > 0 && ts < this.keyframeTimes.at(-1)!) this.keyframeTimes = [];
    this.keyframeTimes.push(ts);
    if (this.keyframeTimes.length > KEYFRAMES_KEPT + 1) this.keyframeTimes.shift();
  }
}

/** An FLV tag's timestamp: 24 bits, then 8 more significant bits. */
function flvTimestamp(tag: Buffer): number {
  return ((tag[7]! << 24) | (tag[4]! << 16) | (tag[5]! << 8) | tag[6]!) >>> 0;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The `onMetaData` script tag's values, read as AMF0: the name string, then an ECMA array or an
 * object of key/value pairs. Numbers, booleans and strings are kept; reading stops at any other
 * type (nothing we need comes after one in what encoders write).
 */
export function readOnMetaData(data: Buffer): Record<string, unknown> | null {
  let at = 0;
  const readString = () => {
    const length = data.readUInt16BE(at);
    const text = data.toString('utf8', at + 2, at + 2 + length);
    at += 2 + length;
    return text;
  };
  try {
    if (data[at++] !== 0x02 || readString() !== 'onMetaData') return null;
    const container = data[at++];
    if (container === 0x08) at += 4; // the ECMA array's count, which encoders do not always fill in
    else if (container !== 0x03) return null;
    const values: Record<string, unknown> = {};
    while (at + 3 <= data.length) {
      const key = readString();
      const type = data[at++];
      if (key === '' && type === 0x09) break; // object end
      if (type === 0x00) {
        values[key] = data.readDoubleBE(at);
        at += 8;
      } else if (type === 0x01) {
        values[key] = data[at++] !== 0;
      } else if (type === 0x02) {
        values[key] = readString();
      } else {
        break;
      }
    }
    return values;
  } catch {
    return null; // truncated: what an encoder sends is not ours to trust
  }
}
