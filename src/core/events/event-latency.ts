import type { EventEncryption, EventLatency } from '../db/schema.js';
import { invalidInput } from '../errors.js';

export const EVENT_LATENCIES = ['low', 'normal'] as const satisfies readonly EventLatency[];

export function checkLatency(value: string, what = '--latency'): EventLatency {
  if (!(EVENT_LATENCIES as readonly string[]).includes(value)) throw invalidInput(`${what}: "${value}" is not a latency (low or normal)`);
  return value as EventLatency;
}

/**
 * Low latency and AES-128 do not compose yet: the LL-HLS segmenter (ingest/ll-hls) writes the parts
 * and segments itself from FFmpeg's fragmented MP4, while encryption and key rotation are FFmpeg's
 * HLS muxer's (ingest/hls-writer.ts), so a low-latency event's media would go out in the clear and
 * its playlists name no key. Refused rather than served unencrypted.
 */
export function checkLatencyWithEncryption(latency: EventLatency, encryption: EventEncryption): void {
  if (latency === 'low' && encryption === 'aes-128') {
    throw invalidInput('--latency low with --encryption aes-128 is not supported yet: choose one of them', 'latency_encryption_unsupported');
  }
}
