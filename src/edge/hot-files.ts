import fs from 'node:fs';
import path from 'node:path';
import type { Log } from '../core/log.js';
import { ByteCache } from './byte-cache.js';
import { resolveInside, type HlsTarget } from './hls-path.js';

/** A file of an event's folder, resolved inside it; `bytes` when it is (now) held in memory. */
export interface HotFile {
  realPath: string;
  size: number;
  mtimeMs: number;
  bytes: Buffer | null;
}

/** How often a blocking request looks again where no watch could be set (inotify exhausted). */
const UNWATCHED_POLL_MS = 100;
/** Resolutions kept at most; a long event with a ladder has tens of thousands of segments. */
const MAX_RESOLVED = 100_000;

/**
 * The edge's view of `hls/`: where each requested file really is (resolved inside its event's
 * folder once, not with two realpaths and a stat per request) and, for files small enough, its
 * bytes (a ByteCache). Every folder a cached file sits in, and the folders above it up to `hls/`,
 * are watched: any change of a name (a segment written, a playlist renamed over, an event's folder
 * replaced by `vod import`) drops what was cached under it, so a playlist is never more than the
 * write being delivered behind. Without watches (no `hls/`, inotify exhausted) nothing is cached.
 */
export class HotFiles {
  private readonly resolved = new Map<string, Omit<HotFile, 'bytes'>>();
  private readonly watchers = new Map<string, fs.FSWatcher>();
  /** Loads under way, and whether a change made what they read stale. */
  private readonly loading = new Map<string, { stale: boolean; done: Promise<HotFile | null> }>();
  private warned = false;
  /** Blocking requests (LL-HLS) waiting for a name to change: woken by the watch, never by polling. */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly hlsRoot: string,
    readonly cache: ByteCache,
    private readonly log: Log,
  ) {}

  /** The file if it is held in memory, at once (the hot path); else null, and `get` loads it. */
  peek(target: HlsTarget): HotFile | null {
    const key = `${target.eventId}/${target.relativePath}`;
    const known = this.resolved.get(key);
    const bytes = known && this.cache.get(key);
    return bytes ? { ...known, bytes } : null;
  }

  async get(target: HlsTarget): Promise<HotFile | null> {
    const key = `${target.eventId}/${target.relativePath}`;
    const known = this.resolved.get(key);
    if (known) {
      const bytes = this.cache.get(key);
      if (bytes || known.size > this.cache.maxEntryBytes) return { ...known, bytes: bytes ?? null };
    }
    const pending = this.loading.get(key);
    if (pending) return pending.done;
    const load = { stale: false, done: Promise.resolve<HotFile | null>(null) };
    load.done = this.load(key, target, load).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load.done;
  }

  /**
   * Resolves once `key` (eventId/relative path) changes, is created or is renamed over, or after
   * `timeoutMs`. Where the folder cannot be watched it wakes after a short poll interval instead.
   * Call it before looking at the file, so a change in between is not missed; `cancel` when done.
   */
  waitForChange(key: string, timeoutMs: number): Promise<void> & { cancel(): void } {
    let cancel = () => {};
    const changed = new Promise<void>((resolve) => {
      if (!this.watchFolders(key)) {
        const timer = setTimeout(resolve, Math.min(timeoutMs, UNWATCHED_POLL_MS));
        cancel = () => (clearTimeout(timer), resolve());
        return;
      }
      let waiters = this.waiters.get(key);
      if (!waiters) this.waiters.set(key, (waiters = new Set()));
      const wake = () => {
        clearTimeout(timer);
        const set = this.waiters.get(key);
        set?.delete(wake);
        if (set?.size === 0) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
      cancel = wake;
    });
    return Object.assign(changed, { cancel: () => cancel() });
  }

  /** Requests held waiting for a change (the edge's metrics). */
  get waiting(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  close(): void {
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    this.resolved.clear();
  }

  private async load(key: string, target: HlsTarget, load: { stale: boolean }): Promise<HotFile | null> {
    // Watch first: a change between the lookup and the watch would otherwise go unseen.
    const watched = this.watchFolders(key);
    const realPath = await resolveInside(this.hlsRoot, target);
    if (!realPath) return null;
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(realPath);
    } catch {
      return null;
    }
    const file = { realPath, size: stat.size, mtimeMs: stat.mtimeMs };
    if (!watched || !this.cache.reserve(stat.size)) {
      if (watched && !load.stale) this.remember(key, file);
      return { ...file, bytes: null };
    }
    const bytes = await fs.promises.readFile(realPath).catch(() => null);
    const keep = bytes !== null && !load.stale && bytes.length === stat.size;
    this.cache.settle(stat.size, key, keep ? bytes : null);
    if (keep) this.remember(key, file);
    return bytes && { ...file, size: bytes.length, bytes };
  }

  private remember(key: string, file: Omit<HotFile, 'bytes'>): void {
    if (this.resolved.size >= MAX_RESOLVED) this.resolved.delete(this.resolved.keys().next().value!);
    this.resolved.set(key, file);
  }

  /** Watches `hls/`, the event's folder and any sub-folder on the way to `key`; false if it cannot. */
  private watchFolders(key: string): boolean {
    const parts = key.split('/').slice(0, -1);
    for (let depth = 0; depth <= parts.length; depth++) {
      const folder = parts.slice(0, depth).join('/');
      if (this.watchers.has(folder)) continue;
      try {
        const watcher = fs.watch(path.join(this.hlsRoot, folder), { persistent: false }, (_type, name) => {
          this.changed(name ? (folder ? `${folder}/${name}` : String(name)) : folder, name === null);
        });
        watcher.on('error', () => this.changed(folder, true));
        this.watchers.set(folder, watcher);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR' && !this.warned) {
          this.warned = true; // once: inotify exhausted would otherwise log on every request
          this.log.warn('cannot watch HLS folder; serving it uncached', { folder, error: (error as Error).message });
        }
        return false;
      }
    }
    return true;
  }

  /** A name changed: forget it and, if it is (or may be) a folder, everything under it. */
  private changed(name: string, wholeFolder: boolean): void {
    this.forget(name);
    this.wake(name, wholeFolder || this.watchers.has(name));
    const prefix = name === '' ? '' : `${name}/`;
    if (!wholeFolder && !this.watchers.has(name)) return;
    for (const key of this.resolved.keys()) if (key.startsWith(prefix)) this.forget(key);
    for (const [key, load] of this.loading) if (key.startsWith(prefix)) load.stale = true;
    for (const [folder, watcher] of this.watchers) {
      if (folder === name || folder.startsWith(prefix)) {
        watcher.close();
        this.watchers.delete(folder);
      }
    }
  }

  private wake(name: string, folder: boolean): void {
    for (const wake of [...(this.waiters.get(name) ?? [])]) wake();
    if (!folder) return;
    const prefix = name === '' ? '' : `${name}/`;
    for (const [key, set] of this.waiters) if (key.startsWith(prefix)) for (const wake of [...set]) wake();
  }

  private forget(key: string): void {
    this.resolved.delete(key);
    this.cache.delete(key);
    const load = this.loading.get(key);
    if (load) load.stale = true;
  }
}
