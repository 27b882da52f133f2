import fs from 'node:fs';
import path from 'node:path';

export interface MediaUsage {
  eventId: string;
  files: number;
  bytes: number;
}

/** What one folder holds, recursively; links are not followed. */
export function folderUsage(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return { files, bytes };
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    try {
      bytes += fs.statSync(path.join(entry.parentPath ?? (entry as { path: string }).path, entry.name)).size;
      files += 1;
    } catch {
      // deleted meanwhile (a rolling recording window)
    }
  }
  return { files, bytes };
}

/** Disk use of each event's HLS folder (`data/hls/<eventId>`), largest first. */
export function mediaUsageByEvent(hlsRoot: string): MediaUsage[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(hlsRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => ({ eventId: entry.name, ...folderUsage(path.join(hlsRoot, entry.name)) }))
    .sort((a, b) => b.bytes - a.bytes || a.eventId.localeCompare(b.eventId));
}
