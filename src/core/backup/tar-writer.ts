import fs from 'node:fs';

/**
 * A minimal POSIX tar (ustar) writer for backups: regular files and directories only. A name
 * longer than ustar's 100 bytes, or a file of 8 GiB or more, gets a PAX extended header ('x')
 * before its own, which GNU tar, bsdtar and our reader all understand.
 */
export const BLOCK = 512;
/** The largest size an 11-digit octal field holds. */
const MAX_OCTAL_SIZE = 8 ** 11 - 1;
/** Files up to this size are read whole, so the header states exactly what follows. */
const READ_WHOLE_BYTES = 64 * 1024 ** 2;
const CHUNK = 1024 ** 2;

export type TarSink = (chunk: Buffer) => void;

export class TarWriter {
  private finished = false;

  constructor(private readonly sink: TarSink) {}

  directory(name: string, mtimeMs: number, mode = 0o700): void {
    this.header(name.endsWith('/') ? name : `${name}/`, 0, mode, mtimeMs, '5');
  }

  file(name: string, data: Buffer, mtimeMs: number, mode = 0o600): void {
    this.header(name, data.length, mode, mtimeMs, '0');
    this.sink(data);
    this.pad(data.length);
  }

  /**
   * Adds the file at `source` as it is when opened. A file another process is still writing (a
   * live segment) is read whole when small, so the header states its size; a large one is copied
   * up to its size at opening and zero-filled if it shrank. Returns false when it vanished first.
   */
  fileFrom(name: string, source: string, mode = 0o600): boolean {
    let fd: number;
    try {
      fd = fs.openSync(source, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) return false;
      if (stat.size <= READ_WHOLE_BYTES) {
        this.file(name, fs.readFileSync(fd), stat.mtimeMs, mode);
        return true;
      }
      this.header(name, stat.size, mode, stat.mtimeMs, '0');
      const buffer = Buffer.alloc(CHUNK);
      let left = stat.size;
      while (left > 0) {
        const n = fs.readSync(fd, buffer, 0, Math.min(CHUNK, left), null);
        if (n === 0) {
          this.sink(Buffer.alloc(left)); // shrank under us: keep the archive's framing intact
          break;
        }
        this.sink(Buffer.from(buffer.subarray(0, n)));
        left -= n;
      }
      this.pad(stat.size);
      return true;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The end-of-archive marker: two zero blocks. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.sink(Buffer.alloc(BLOCK * 2));
  }

  private header(name: string, size: number, mode: number, mtimeMs: number, type: '0' | '5'): void {
    const pax: Record<string, string> = {};
    if (Buffer.byteLength(name) > 100) pax.path = name;
    if (size > MAX_OCTAL_SIZE) pax.size = String(size);
    if (Object.keys(pax).length > 0) {
      const records = Buffer.from(Object.entries(pax).map(([key, value]) => paxRecord(key, value)).join(''));
      this.sink(ustarHeader('PaxHeader', records.length, 0o600, mtimeMs, 'x'));
      this.sink(records);
      this.pad(records.length);
    }
    this.sink(ustarHeader(pax.path ? truncateUtf8(name, 100) : name, pax.size ? 0 : size, mode, mtimeMs, type));
  }

  private pad(size: number): void {
    const rest = size % BLOCK;
    if (rest) this.sink(Buffer.alloc(BLOCK - rest));
  }
}

/** "%d key=value\n", where the length counts itself. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function ustarHeader(name: string, size: number, mode: number, mtimeMs: number, type: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  octal(block, 100, 8, mode & 0o7777);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, size);
  octal(block, 136, 12, Math.max(0, Math.floor(mtimeMs / 1000)));
  block.fill(0x20, 148, 156); // checksum counted as spaces
  block.write(type, 156, 1, 'latin1');
  block.write('ustar\u000000', 257, 8, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

function truncateUtf8(text: string, bytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
  return out;
}
