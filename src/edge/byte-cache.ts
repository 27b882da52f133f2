/**
 * File contents kept in memory, bounded in bytes whatever the access pattern: the least recently
 * used entry goes first. A load reserves its bytes before it reads, so many different files read
 * at once cannot overshoot the bound either; when nothing can be evicted to make room, the caller
 * streams from disk instead. `bytes` (held + reserved) never exceeds `maxBytes`.
 */
export class ByteCache {
  private readonly entries = new Map<string, Buffer>();
  private heldBytes = 0;
  private reservedBytes = 0;

  constructor(readonly maxBytes: number) {}

  /** Entries larger than this are never cached: one huge VOD file must not flush every live segment. */
  get maxEntryBytes(): number {
    return Math.floor(this.maxBytes / 8);
  }

  get(key: string): Buffer | undefined {
    const bytes = this.entries.get(key);
    if (!bytes) return undefined;
    // Map order is insertion order: re-inserting makes this the most recently used.
    this.entries.delete(key);
    this.entries.set(key, bytes);
    return bytes;
  }

  /** Room for `size` bytes, evicting as needed; false (nothing reserved) when it cannot be had. */
  reserve(size: number): boolean {
    if (size > this.maxEntryBytes || this.reservedBytes + size > this.maxBytes) return false;
    for (const [key, bytes] of this.entries) {
      if (this.heldBytes + this.reservedBytes + size <= this.maxBytes) break;
      this.entries.delete(key);
      this.heldBytes -= bytes.length;
    }
    this.reservedBytes += size;
    return true;
  }

  /** Ends a reservation: keeps `bytes` under `key` (null: the load failed or went stale). */
  settle(reserved: number, key: string, bytes: Buffer | null): void {
    this.reservedBytes -= reserved;
    if (!bytes || bytes.length > reserved) return;
    this.delete(key);
    this.entries.set(key, bytes);
    this.heldBytes += bytes.length;
  }

  delete(key: string): void {
    const bytes = this.entries.get(key);
    if (!bytes) return;
    this.entries.delete(key);
    this.heldBytes -= bytes.length;
  }

  /** Held plus reserved: what the cache accounts for right now. */
  get bytes(): number {
    return this.heldBytes + this.reservedBytes;
  }

  get size(): number {
    return this.entries.size;
  }
}
