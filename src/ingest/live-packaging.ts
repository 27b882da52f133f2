import type { StreamTracks } from './flv-tracks.js';

/** What FFmpeg does with each track of a publisher's stream; null for a track it does not have. */
export interface LivePackaging {
  video: 'copy' | 'encode' | null;
  audio: 'copy' | 'encode' | null;
}

export type PackagingDecision = { ok: true; packaging: LivePackaging } | { ok: false; reason: string };

/** Audio FFmpeg 5.1 reads from FLV and turns into AAC; anything else it cannot read at all. */
const DECODABLE_AUDIO = new Set(['mp3', 'pcm', 'pcm_s16le', 'adpcm_swf', 'nellymoser', 'pcm_alaw', 'pcm_mulaw', 'speex']);

/**
 * Whether StreamGate can turn what a publisher sends into HLS that browsers play, and how. Video
 * must be H.264: browsers play no other codec in HLS (HEVC is not in Chromium), and FFmpeg 5.1
 * cannot read enhanced RTMP (HEVC, AV1, VP9) at all. AAC audio is kept as it is (re-encoded for a
 * ladder); other FLV audio becomes AAC. A stream without either is refused with the reason.
 */
export function decidePackaging(tracks: StreamTracks, ladder: boolean): PackagingDecision {
  if (!tracks.video && !tracks.audio) return { ok: false, reason: 'the publisher sent neither audio nor video' };
  if (tracks.video && tracks.video !== 'h264') {
    return { ok: false, reason: `the publisher sends ${tracks.video} video; StreamGate packages H.264 only (set the encoder to H.264/x264)` };
  }
  if (tracks.audio && tracks.audio !== 'aac' && !DECODABLE_AUDIO.has(tracks.audio)) {
    return { ok: false, reason: `the publisher sends ${tracks.audio} audio, which FFmpeg cannot read over RTMP (set the encoder to AAC)` };
  }
  return {
    ok: true,
    packaging: {
      video: tracks.video ? (ladder ? 'encode' : 'copy') : null,
      audio: tracks.audio ? (tracks.audio === 'aac' && !ladder ? 'copy' : 'encode') : null,
    },
  };
}
