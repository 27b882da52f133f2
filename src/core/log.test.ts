import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLog, logFormatFor, prettyLine, withFields } from './log.js';

describe('createLog', () => {
  it('writes one JSON object a line: time, level, service, message, then the fields', () => {
    const lines: string[] = [];
    const log = createLog('edge', (line) => lines.push(line));
    log.info('stream request refused', { requestId: 'r-1', eventId: 'conf', status: 403 });
    log.warn('w');
    log.error('e', { error: 'boom\nsecond line' });
    assert.equal(lines.length, 3);
    for (const line of lines) assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line each, newlines escaped');
    const first = JSON.parse(lines[0]!);
    assert.deepEqual(Object.keys(first), ['time', 'level', 'service', 'message', 'requestId', 'eventId', 'status']);
    assert.ok(!Number.isNaN(Date.parse(first.time)) && first.time.endsWith('Z'));
    assert.deepEqual([first.level, first.service, first.requestId, first.eventId], ['info', 'edge', 'r-1', 'conf']);
    assert.deepEqual(lines.map((l) => JSON.parse(l).level), ['info', 'warn', 'error']);
  });

  it('drops fields that are undefined (an event not known for this request)', () => {
    const lines: string[] = [];
    createLog('platform', (line) => lines.push(line)).info('request', { requestId: 'r', eventId: undefined });
    assert.equal('eventId' in JSON.parse(lines[0]!), false);
  });

  it('writes pretty lines when asked: local time, level, service, message, key=value', () => {
    const lines: string[] = [];
    createLog('ingest', (line) => lines.push(line), 'pretty').warn('publisher left', { eventId: 'conf', graceSeconds: 10, note: 'two words', ladder: ['720p'] });
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN  ingest   publisher left eventId=conf graceSeconds=10 note="two words" ladder=\["720p"\]\n$/);
  });

  it('quotes a pretty value that would forge a field or a line', () => {
    const line = prettyLine(new Date(0), 'info', 'platform', 'request', { path: '/a b=c', error: 'x\ny' });
    assert.equal(line.split('\n').length, 2, 'one line');
    assert.ok(line.includes('path="/a b=c"') && line.includes('error="x\\ny"'));
  });

  it('colours the level only when asked', () => {
    assert.ok(!prettyLine(new Date(0), 'error', 'edge', 'm').includes('\u001b'));
    assert.ok(prettyLine(new Date(0), 'error', 'edge', 'm', {}, true).includes('\u001b[31mERROR'));
  });
});

describe('withFields', () => {
  it("adds the fields to every line, before the line's own", () => {
    const lines: string[] = [];
    const log = withFields(createLog('ingest', (line) => lines.push(line)), { eventId: 'conf' });
    log.warn('ffmpeg stopped', { code: 1 });
    log.error('gave up');
    assert.deepEqual(lines.map((l) => JSON.parse(l)).map(({ eventId, code }) => ({ eventId, code })), [{ eventId: 'conf', code: 1 }, { eventId: 'conf', code: undefined }]);
  });
});

describe('logFormatFor', () => {
  const cases: [string | undefined, boolean, 'json' | 'pretty'][] = [
    [undefined, false, 'json'],
    [undefined, true, 'pretty'],
    ['json', true, 'json'],
    ['pretty', false, 'pretty'],
    ['', true, 'pretty'],
  ];
  for (const [variable, isTTY, expected] of cases) {
    it(`STREAMGATE_LOG_FORMAT=${variable ?? '(unset)'} ${isTTY ? 'on' : 'off'} a terminal: ${expected}`, () => {
      assert.equal(logFormatFor(variable === undefined ? {} : { STREAMGATE_LOG_FORMAT: variable }, isTTY), expected);
    });
  }
});
