/** One top-level ISO-BMFF box, whole: its four-character type and every byte of it, header included. */
export interface Box {
  type: string;
  bytes: Buffer;
}

const HEADER = 8;
/** A box this large in a live pipe is garbage, not media: stop rather than buffer it. */
const MAX_BOX_BYTES = 64 * 1024 * 1024;

/**
 * Cuts a byte stream (FFmpeg's fragmented MP4 on a pipe, arriving in chunks of any size) into
 * top-level boxes. Holds at most one unfinished box; `push` returns the boxes a chunk completed.
 */
export class BoxStream {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  push(chunk: Buffer): Box[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const boxes: Box[] = [];
    let buffer = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    for (;;) {
      const size = boxSize(buffer, offset);
      if (size === null || buffer.length - offset < size) break;
      boxes.push({ type: buffer.toString('latin1', offset + 4, offset + 8), bytes: buffer.subarray(offset, offset + size) });
      offset += size;
    }
    buffer = buffer.subarray(offset);
    this.pending = buffer.length ? [buffer] : [];
    this.pendingBytes = buffer.length;
    return boxes;
  }

  /** Bytes of a box not yet complete (an end of stream with some left means a cut-off box). */
  get buffered(): number {
    return this.pendingBytes;
  }
}

/** The size of the box at `offset`, or null when its header has not all arrived. */
function boxSize(buffer: Buffer, offset: number): number | null {
  if (buffer.length - offset < HEADER) return null;
  let size = buffer.readUInt32BE(offset);
  if (size === 1) {
    if (buffer.length - offset < 16) return null;
    size = Number(buffer.readBigUInt64BE(offset + 8));
  }
  if (size === 0) throw new Error('an MP4 box that runs to the end of the stream cannot be cut from a live pipe');
  if (size < HEADER || size > MAX_BOX_BYTES) throw new Error(`an MP4 box of ${size} bytes is not media`);
  return size;
}

/** The child boxes inside a container box's payload (`start` skips its header, and a full box's version+flags). */
export function childBoxes(box: Buffer, start = HEADER): Map<string, Buffer[]> {
  const children = new Map<string, Buffer[]>();
  let offset = start;
  while (offset + HEADER <= box.length) {
    const size = box.readUInt32BE(offset);
    if (size < HEADER || offset + size > box.length) throw new Error('a malformed MP4 box');
    const type = box.toString('latin1', offset + 4, offset + 8);
    const list = children.get(type) ?? [];
    list.push(box.subarray(offset, offset + size));
    children.set(type, list);
    offset += size;
  }
  return children;
}

/** The one child of `type` (following a path of types), or null. */
export function findBox(box: Buffer, ...path: string[]): Buffer | null {
  let current: Buffer = box;
  for (const type of path) {
    const next = childBoxes(current).get(type)?.[0];
    if (!next) return null;
    current = next;
  }
  return current;
}
