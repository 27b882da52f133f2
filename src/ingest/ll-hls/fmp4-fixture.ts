// For the unit tests: real fragmented MP4 made by FFmpeg, as the low-latency ingest has it written.
import { execFileSync } from 'node:child_process';

/** FFmpeg's fragmented MP4 as the low-latency ingest asks for it: H.264 at 25 fps (a keyframe a second unless told) + AAC. */
export function ffmpegFragmentedMp4(seconds: number, options: { audio?: boolean; video?: boolean; keyframeFrames?: number } = {}): Buffer {
  const { audio = true, video = true, keyframeFrames = 25 } = options;
  return execFileSync('ffmpeg', [
    '-loglevel', 'error',
    ...(video ? ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25'] : []),
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t', String(seconds),
    ...(video ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(keyframeFrames), '-keyint_min', String(keyframeFrames), '-sc_threshold', '0'] : []),
    ...(audio ? ['-c:a', 'aac'] : []),
    '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '200000', 'pipe:1',
  ], { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
}
