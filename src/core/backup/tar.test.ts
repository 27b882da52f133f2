import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TarFormatError, TarReader, safeEntryName } from './tar-reader.js';
import { TarWriter, paxRecord } from './tar-writer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-tar-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeArchive(name: string, fill: (tar: TarWriter) => void): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  const tar = new TarWriter((chunk) => fs.writeSync(fd, chunk));
  fill(tar);
  tar.finish();
  fs.closeSync(fd);
  return file;
}

function readArchive(file: string): Map<string, Buffer | 'dir'> {
  const fd = fs.openSync(file, 'r');
  const entries = new Map<string, Buffer | 'dir'>();
  try {
    const reader = new TarReader(fd);
    for (let entry = reader.next(); entry; entry = reader.next()) {
      entries.set(entry.name, entry.type === 'directory' ? 'dir' : reader.readData(1e9));
    }
  } finally {
    fs.closeSync(fd);
  }
  return entries;
}

/** A ustar header block by hand, for archives our writer would never make. */
function rawHeader(name: string, type: string, size = 0, linkname = ''): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100);
  block.write('0000600\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.fill(0x20, 148, 156);
  block.write(type, 156);
  block.write(linkname, 157, 100);
  block.write('ustar\u000000', 257, 8, 'latin1');
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

function rawArchive(name: string, blocks: Buffer[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat([...blocks, Buffer.alloc(1024)]));
  return file;
}

describe('tar writer and reader', () => {
  const long = `hls/${'event-with-a-long-name/'.repeat(8)}segment_000001.ts`;

  it('round-trips files, folders, empty files and names longer than 100 bytes (PAX)', () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const file = writeArchive('roundtrip.tar', (tar) => {
      tar.file('manifest.json', Buffer.from('{}'), Date.now());
      tar.directory('hls', Date.now());
      tar.file('empty', Buffer.alloc(0), Date.now());
      tar.file(long, data, Date.now());
      tar.file('hls/é-ünïcode.ts', Buffer.from('x'), Date.now());
    });
    assert.equal(fs.statSync(file).size % 512, 0);
    const entries = readArchive(file);
    assert.deepEqual([...entries.keys()], ['manifest.json', 'hls', 'empty', long, 'hls/é-ünïcode.ts']);
    assert.deepEqual(entries.get(long), data);
    assert.equal((entries.get('empty') as Buffer).length, 0);
  });

  it('writes archives GNU tar lists and extracts byte for byte, long names included', () => {
    const source = path.join(dir, 'source.bin');
    fs.writeFileSync(source, Buffer.alloc(70_000, 7));
    const file = writeArchive('gnu.tar', (tar) => {
      assert.equal(tar.fileFrom(long, source), true);
      assert.equal(tar.fileFrom('gone', path.join(dir, 'does-not-exist')), false, 'a file that vanished is skipped');
    });
    const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(listed, [long]);
    const out = fs.mkdtempSync(path.join(dir, 'gnu-'));
    execFileSync('tar', ['-xf', file, '-C', out]);
    assert.deepEqual(fs.readFileSync(path.join(out, long)), fs.readFileSync(source));
  });

  it('reads archives GNU tar writes (its own long-name scheme is refused as an unknown type, never misread)', () => {
    const src = fs.mkdtempSync(path.join(dir, 'gnu-src-'));
    fs.mkdirSync(path.join(src, 'hls'));
    fs.writeFileSync(path.join(src, 'hls', 'a.ts'), 'abc');
    const file = path.join(dir, 'by-gnu.tar');
    execFileSync('tar', ['--format=pax', '-cf', file, '-C', src, 'hls']);
    const entries = readArchive(file);
    assert.deepEqual(entries.get('hls/a.ts'), Buffer.from('abc'));
  });

  it('computes PAX record lengths that count their own digits', () => {
    for (const value of ['a', 'x'.repeat(89), 'x'.repeat(90), 'x'.repeat(991), 'x'.repeat(995)]) {
      const record = paxRecord('path', value);
      assert.equal(Number(record.split(' ')[0]), Buffer.byteLength(record), `length of a ${value.length}-byte value`);
    }
  });

  for (const [name, raw] of [
    ['an absolute name', '/etc/passwd'],
    ['a parent step', 'hls/../../secret'],
    ['a parent step alone', '..'],
    ['a backslash', 'hls\\..\\x'],
    ['an empty name', './'],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.throws(() => safeEntryName(raw), TarFormatError);
      const file = rawArchive(`bad-${name.replace(/\W/g, '')}.tar`, [rawHeader(raw, '0', 1), Buffer.alloc(512, 1)]);
      assert.throws(() => readArchive(file), TarFormatError);
    });
  }

  it('normalises harmless spellings: "./" components and a trailing slash', () => {
    assert.equal(safeEntryName('./hls//conf/./a.ts'), 'hls/conf/a.ts');
    assert.equal(safeEntryName('hls/'), 'hls');
  });

  it('refuses a traversal hidden in a PAX path', () => {
    const record = Buffer.from(paxRecord('path', 'hls/../../../tmp/evil'));
    const padded = Buffer.concat([record, Buffer.alloc(512 - record.length)]);
    const file = rawArchive('pax-evil.tar', [rawHeader('PaxHeader', 'x', record.length), padded, rawHeader('innocent', '0', 0)]);
    assert.throws(() => readArchive(file), /"\.\." in an entry name is refused/);
  });

  for (const [type, what] of [['2', 'symbolic link'], ['1', 'hard link'], ['3', 'character device'], ['6', 'FIFO']] as const) {
    it(`refuses a ${what} entry`, () => {
      const file = rawArchive(`type-${type}.tar`, [rawHeader('secret', type, 0, '/etc/shadow')]);
      assert.throws(() => readArchive(file), /only files and directories may be restored/);
    });
  }

  it('refuses a damaged header and a truncated archive', () => {
    const header = rawHeader('a', '0', 1000);
    const damaged = Buffer.from(header);
    damaged[0] = 'b'.charCodeAt(0);
    assert.throws(() => readArchive(rawArchive('damaged.tar', [damaged])), /checksum/);
    const truncated = path.join(dir, 'truncated.tar');
    fs.writeFileSync(truncated, Buffer.concat([header, Buffer.alloc(100)]));
    assert.throws(() => readArchive(truncated), /truncated/);
  });
});
