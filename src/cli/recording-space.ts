import fs from 'node:fs';
import { bytesPerHour, type RecordingRate } from '../core/events/recording-rate.js';
import type { MediaUsage } from '../core/events/media-usage.js';
import type { Check } from './checks.js';

/**
 * `doctor`: will the disk hold another hour of the busiest live recording? A live event's folder
 * grows by its ladder's total bitrate (every rendition is written); FFmpeg on a full disk writes
 * empty segments, so this warns an hour ahead.
 */
export function recordingSpaceCheck(freeBytes: number, rates: readonly RecordingRate[]): Check {
  const name = 'recording space';
  const largest = rates[0];
  if (!largest) return { name, status: 'ok', detail: 'no live event' };
  const hour = bytesPerHour(largest.kbps);
  const what = `${largest.eventId} records ${largest.kbps} kbit/s (${largest.source}), ${formatSize(hour)} an hour`;
  if (freeBytes < hour) {
    return { name, status: 'warn', detail: `${formatSize(freeBytes)} free holds less than an hour of live event ${what}: free space (streamgate events prune) before the disk fills` };
  }
  return { name, status: 'ok', detail: `${formatSize(freeBytes)} free, ${(freeBytes / hour).toFixed(1)} h of ${what}` };
}

export function freeBytesAt(dir: string): number | null {
  try {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

/** Per event, for doctor's table: largest first, as `mediaUsageByEvent` gives them. */
export function mediaUsageRows(usage: readonly MediaUsage[]): string[][] {
  return usage.map((u) => [u.eventId, String(u.files), formatSize(u.bytes)]);
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}
