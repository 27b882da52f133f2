import fs from 'node:fs';
import path from 'node:path';
import { TEMP_FILE_PATTERN } from '../atomic-file.js';
import { ENTRY } from './manifest.js';
import type { TarWriter } from './tar-writer.js';

/**
 * The HLS folders (`hls/<eventId>/…`), live ones included. A live playlist names segments that
 * exist when it is written, so every event's playlists are read first and its other files listed
 * after: the archived playlist never names a segment the archive lacks (unless a rolling recording
 * window deleted it meanwhile). Temporary files of a writer in progress are left out.
 */
export function addMedia(tar: TarWriter, hlsRoot: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  if (!fs.existsSync(hlsRoot)) return { files, bytes };
  tar.directory(ENTRY.media, Date.now());
  for (const event of fs.readdirSync(hlsRoot, { withFileTypes: true })) {
    if (!event.isDirectory() || event.name.startsWith('.')) continue; // a folder being reset or pruned
    const root = path.join(hlsRoot, event.name);
    const playlists = new Map<string, { data: Buffer; mtimeMs: number }>();
    for (const file of listFiles(root).filter(isPlaylist)) {
      try {
        playlists.set(file, { data: fs.readFileSync(path.join(root, file)), mtimeMs: fs.statSync(path.join(root, file)).mtimeMs });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const others = listFiles(root).filter((file) => !isPlaylist(file));
    tar.directory(`${ENTRY.media}/${event.name}`, Date.now());
    for (const dir of new Set([...playlists.keys(), ...others].map((f) => path.posix.dirname(f)).filter((d) => d !== '.'))) {
      tar.directory(`${ENTRY.media}/${event.name}/${dir}`, Date.now());
    }
    for (const [file, { data, mtimeMs }] of playlists) {
      tar.file(`${ENTRY.media}/${event.name}/${file}`, data, mtimeMs);
      files++;
      bytes += data.length;
    }
    for (const file of others) {
      const source = path.join(root, file);
      const size = sizeOf(source);
      if (tar.fileFrom(`${ENTRY.media}/${event.name}/${file}`, source)) {
        files++;
        bytes += size;
      }
    }
  }
  return { files, bytes };
}

function isPlaylist(file: string): boolean {
  return /\.m3u8(\.|$)/.test(path.posix.basename(file));
}

/** Regular files under `root`, as relative POSIX paths; symbolic links are not followed. */
function listFiles(root: string, prefix = ''): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return listFiles(root, relative);
    if (!entry.isFile() || TEMP_FILE_PATTERN.test(entry.name) || entry.name.endsWith('.tmp')) return [];
    return [relative];
  });
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
