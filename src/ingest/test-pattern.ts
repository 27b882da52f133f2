import { spawn, type ChildProcess } from 'node:child_process';
import { publishFlv } from './rtmp-publisher.js';

export interface TestPatternOptions {
  ffmpegPath: string;
  /** rtmp://host:port/live/KEY */
  publishUrl: string;
  width?: number;
  height?: number;
  fps?: number;
  /** Stop after this many seconds; runs until killed when absent. */
  seconds?: number;
  /** Seconds between keyframes: the segment length, as OBS should be set up. */
  keyframeSeconds?: number;
  /** Send the tone too (the default), as OBS does; false publishes video only. */
  audio?: boolean;
}

/** FFmpeg, and the RTMP publish it feeds: resolves once published and ended, rejects if refused. */
export interface TestPatternPublisher extends ChildProcess {
  published: Promise<void>;
}

/**
 * Publishes FFmpeg's generated test pattern (colour bars, a moving gradient, a 440 Hz tone) with
 * the wall clock burnt in, the way OBS would: H.264 + AAC over RTMP, keyframes every segment.
 * `up --demo` uses it; so do the benchmarks, which read glass-to-glass delay off the clock.
 *
 * FFmpeg writes FLV to a pipe and this process publishes it: the publish URL holds the stream
 * key, and FFmpeg's argv is readable by every user of the machine. When the server refuses or
 * drops the stream, the pipe closes and FFmpeg exits with an error, as it would publishing itself.
 */
export function publishTestPattern(options: TestPatternOptions): TestPatternPublisher {
  const { width = 854, height = 480, fps = 25, keyframeSeconds = 2, audio = true } = options;
  const clock = "drawtext=text='%{localtime\\:%H\\\\\\:%M\\\\\\:%S} %{pts\\:hms}':fontsize=40:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8:x=24:y=24";
  const child = spawn(options.ffmpegPath, [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    ...(options.seconds ? ['-t', String(options.seconds)] : []),
    '-vf', clock,
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(fps * keyframeSeconds), '-keyint_min', String(fps * keyframeSeconds), '-sc_threshold', '0', '-b:v', '1500k',
    ...(audio ? ['-c:a', 'aac', '-b:a', '128k'] : ['-an']),
    '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const published = publishFlv(options.publishUrl, child.stdout!);
  published.catch(() => undefined); // FFmpeg's exit reports it to callers that only watch the child
  return Object.assign(child, { published });
}
