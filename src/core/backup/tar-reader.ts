import fs from 'node:fs';
import { BLOCK } from './tar-writer.js';

/**
 * Reads a tar archive (ustar, with PAX 'x' headers for long names and large sizes) entry by entry
 * from a file descriptor. Only regular files and directories are accepted: links, devices and
 * anything else make the archive invalid, and every name is checked by `safeEntryName` before a
 * caller sees it, so no entry can point outside the folder it is restored into.
 */
export interface TarEntry {
  name: string;
  type: 'file' | 'directory';
  size: number;
}

export class TarFormatError extends Error {}

const CHUNK = 1024 ** 2;

export class TarReader {
  private position = 0;
  /** What is left of the current entry in the archive: its data and the padding to a block. */
  private pendingData = 0;
  /** The current file entry's data not read yet. */
  private dataLeft = 0;

  constructor(private readonly fd: number) {}

  /** The next entry, or null at the end of the archive. Skips the data of an unread entry. */
  next(): TarEntry | null {
    if (this.pendingData > 0) this.skip(this.pendingData);
    let pax: Record<string, string> = {};
    for (;;) {
      const header = this.readExactly(BLOCK, 'header');
      if (header.every((byte) => byte === 0)) return null;
      checkChecksum(header);
      const type = String.fromCharCode(header[156]!);
      const size = pax.size !== undefined && type !== 'x' ? parseSize(pax.size) : parseOctal(header, 124, 12);
      if (type === 'x') {
        pax = parsePax(this.readExactly(padded(size), 'PAX header').subarray(0, size));
        continue;
      }
      if (type === 'g') {
        this.skip(padded(size)); // global attributes: nothing we need
        continue;
      }
      const prefix = cString(header, 345, 155);
      const base = cString(header, 0, 100);
      const rawName = pax.path ?? (prefix ? `${prefix}/${base}` : base);
      const name = safeEntryName(rawName);
      if (type === '0' || type === '\u0000') {
        this.pendingData = padded(size);
        this.dataLeft = size;
        return { name, type: 'file', size };
      }
      if (type === '5') {
        this.skip(padded(size));
        return { name, type: 'directory', size: 0 };
      }
      throw new TarFormatError(`"${rawName}": only files and directories may be restored (entry type ${JSON.stringify(type)})`);
    }
  }

  /** Copies the current file entry's data to `write`, chunk by chunk. */
  copyData(write: (chunk: Buffer) => void): void {
    let left = this.dataLeft;
    while (left > 0) {
      const chunk = this.readExactly(Math.min(CHUNK, left), 'file data');
      write(chunk);
      left -= chunk.length;
    }
    this.skip(this.pendingData - this.dataLeft);
    this.pendingData = 0;
    this.dataLeft = 0;
  }

  /** The current file entry's data as one buffer (for small entries: the manifest). */
  readData(limit: number): Buffer {
    if (this.dataLeft > limit) throw new TarFormatError(`an entry of ${this.dataLeft} bytes is larger than ${limit}`);
    const parts: Buffer[] = [];
    this.copyData((chunk) => parts.push(Buffer.from(chunk)));
    return Buffer.concat(parts);
  }

  private skip(bytes: number): void {
    this.position += bytes;
    this.pendingData = 0;
    this.dataLeft = 0;
  }

  private readExactly(length: number, what: string): Buffer {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buffer, done, length - done, this.position);
      if (n === 0) throw new TarFormatError(`the archive ends in the middle of a ${what} (truncated?)`);
      done += n;
      this.position += n;
    }
    return buffer;
  }
}

/**
 * A relative path of plain components: no absolute path, no "..", no NUL or backslash, no empty
 * name. "./" components and a trailing slash are dropped.
 */
export function safeEntryName(raw: string): string {
  if (raw.includes('\u0000') || raw.includes('\\')) throw new TarFormatError(`"${raw}": unsafe characters in an entry name`);
  if (raw.startsWith('/')) throw new TarFormatError(`"${raw}": absolute entry names are refused`);
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0) throw new TarFormatError(`"${raw}": empty entry name`);
  if (parts.includes('..')) throw new TarFormatError(`"${raw}": ".." in an entry name is refused`);
  return parts.join('/');
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function checkChecksum(header: Buffer): void {
  const stored = parseOctal(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  if (sum !== stored) throw new TarFormatError('a header checksum does not match: not a tar archive, or a damaged one');
}

function cString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function parseOctal(block: Buffer, offset: number, length: number): number {
  const text = cString(block, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarFormatError('a header field is not octal: not a tar archive, or a damaged one');
  return text === '' ? 0 : parseInt(text, 8);
}

function parseSize(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new TarFormatError(`a PAX size "${text}" is not a number`);
  return Number(text);
}

function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.toString('latin1', at, space));
    if (space === -1 || !Number.isInteger(length) || length <= 0 || at + length > data.length) {
      throw new TarFormatError('a PAX header is malformed');
    }
    const record = data.toString('utf8', space + 1, at + length - 1); // without the newline
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}
