import type { Publisher } from './rtmp-server.js';

/**
 * Which tracks a publisher sends, read from the FLV that node-media-server hands us: the
 * `onMetaData` script tag (what the encoder announces) and the first audio and video tags (what
 * actually arrives, with the codec in their first bytes). FFmpeg's arguments are built from this,
 * so its `-map` never names a track that is not there.
 */

export interface StreamTracks {
  /** FFmpeg's name for the codec ("h264", "hevc", "flv1"…), or null without video. */
  video: string | null;
  /** "aac", "mp3", "pcm_s16le"…, or null without audio. */
  audio: string | null;
}

const TAG_AUDIO = 8;
const TAG_VIDEO = 9;
const TAG_SCRIPT = 18;
/** Sound format / codec id 9 in the first byte: an enhanced-RTMP tag, whose codec is a FourCC. */
const EX_HEADER_AUDIO = 9;

const AUDIO_FORMATS: Record<number, string> = {
  0: 'pcm', 1: 'adpcm_swf', 2: 'mp3', 3: 'pcm_s16le', 4: 'nellymoser', 5: 'nellymoser', 6: 'nellymoser',
  7: 'pcm_alaw', 8: 'pcm_mulaw', 10: 'aac', 11: 'speex', 14: 'mp3',
};
const VIDEO_CODECS: Record<number, string> = { 2: 'flv1', 3: 'flashsv', 4: 'vp6f', 5: 'vp6a', 6: 'flashsv2', 7: 'h264', 12: 'hevc' };
const FOURCCS: Record<string, string> = {
  hvc1: 'hevc', av01: 'av1', vp09: 'vp9', avc1: 'h264', Opus: 'opus', fLaC: 'flac', 'ac-3': 'ac3', 'ec-3': 'eac3', mp4a: 'aac', '.mp3': 'mp3',
};

export type FlvTag =
  | { kind: 'audio'; codec: string }
  | { kind: 'video'; codec: string }
  | { kind: 'metadata'; announcesAudio: boolean; announcesVideo: boolean };

/**
 * One FLV tag (type byte, 10 more header bytes, the data, the previous-tag size), as the broadcast
 * sends each of them in one piece; null for the file header and anything else.
 */
export function parseFlvTag(chunk: Buffer): FlvTag | null {
  if (chunk.length < 12) return null;
  const type = chunk[0]! & 0x1f;
  const data = chunk.subarray(11);
  if (type === TAG_AUDIO) {
    const format = data[0]! >> 4;
    if (format === EX_HEADER_AUDIO) return { kind: 'audio', codec: fourCC(data.subarray(1, 5)) };
    return { kind: 'audio', codec: AUDIO_FORMATS[format] ?? `flv audio format ${format}` };
  }
  if (type === TAG_VIDEO) {
    if (data[0]! & 0x80) return { kind: 'video', codec: fourCC(data.subarray(1, 5)) };
    const id = data[0]! & 0x0f;
    return { kind: 'video', codec: VIDEO_CODECS[id] ?? `flv video codec ${id}` };
  }
  if (type === TAG_SCRIPT && data.includes('onMetaData')) {
    // AMF0 object keys are a 16-bit length and the name; encoders write a codec id key only for a
    // track they send.
    return { kind: 'metadata', announcesAudio: data.includes(amfKey('audiocodecid')), announcesVideo: data.includes(amfKey('videocodecid')) };
  }
  return null;
}

function fourCC(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  return FOURCCS[text] ?? `FourCC "${text.replace(/[^\x20-\x7e]/g, '?')}"`;
}

function amfKey(name: string): Buffer {
  const key = Buffer.alloc(2 + name.length);
  key.writeUInt16BE(name.length, 0);
  key.write(name, 2, 'latin1');
  return key;
}

/**
 * Collects tags until the tracks are known: every track the metadata announced has arrived, or
 * (without metadata) both have. `settle()` gives the answer from what was seen when waiting longer
 * is pointless: a publisher that announces no metadata and sends audio only.
 */
export class TrackProbe {
  private announced: { audio: boolean; video: boolean } | null = null;
  private readonly seen: StreamTracks = { video: null, audio: null };

  /** Some audio or video has arrived. */
  sawMedia(): boolean {
    return this.seen.audio !== null || this.seen.video !== null;
  }

  /** Feeds one chunk; true once the tracks are known. */
  feed(chunk: Buffer): boolean {
    const tag = parseFlvTag(chunk);
    if (tag?.kind === 'metadata') this.announced = { audio: tag.announcesAudio, video: tag.announcesVideo };
    else if (tag?.kind === 'audio') this.seen.audio ??= tag.codec;
    else if (tag?.kind === 'video') this.seen.video ??= tag.codec;
    return this.known();
  }

  known(): boolean {
    const { audio, video } = this.seen;
    if (audio && video) return true;
    if (!this.announced || (!audio && !video)) return false;
    return (!this.announced.audio || audio !== null) && (!this.announced.video || video !== null);
  }

  settle(): StreamTracks {
    return { ...this.seen };
  }
}

/** How long a publisher may take to send its first audio or video. */
const FIRST_MEDIA_MS = 10_000;
/** Once media flows, how long to wait for a track that was not announced (no metadata). */
const OTHER_TRACK_MS = 2_000;

/**
 * Reads the publisher's stream until its tracks are known (TrackProbe), or the waits above ran
 * out; then what was seen is the answer, maybe nothing.
 */
export function readTracks(publisher: Publisher, timing = { firstMediaMs: FIRST_MEDIA_MS, otherTrackMs: OTHER_TRACK_MS }): Promise<StreamTracks> {
  return new Promise((resolve) => {
    const probe = new TrackProbe();
    let done = false;
    let unsubscribe: (() => void) | null = null;
    let timer = setTimeout(() => finish(), timing.firstMediaMs);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe?.();
      resolve(probe.settle());
    };
    const onChunk = (chunk: Buffer) => {
      if (done) return;
      const hadMedia = probe.sawMedia();
      if (probe.feed(chunk)) return finish();
      if (!hadMedia && probe.sawMedia()) {
        clearTimeout(timer);
        timer = setTimeout(() => finish(), timing.otherTrackMs);
      }
    };
    try {
      // The broadcast sends its cached headers synchronously, inside subscribe().
      const stop = publisher.subscribe(onChunk);
      if (done) stop();
      else unsubscribe = stop;
    } catch {
      finish(); // the publisher is gone already
    }
  });
}
