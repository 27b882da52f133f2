import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUnit, renderUnit } from './systemd-unit.js';

const options = { node: '/usr/bin/node', binary: '/opt/streamgate/bin/streamgate', user: 'streamgate', dataDir: '/var/lib/streamgate' };

describe('renderUnit', () => {
  it('runs `up` as the user, with the data directory its only writable place, and reads back the same', () => {
    const text = renderUnit(options);
    assert.deepEqual(parseUnit(text), {
      user: 'streamgate',
      environment: { STREAMGATE_DATA_DIR: '/var/lib/streamgate', STREAMGATE_LOG_FORMAT: 'json' },
      execStart: ['/usr/bin/node', '/opt/streamgate/bin/streamgate', 'up'],
    });
    const lines = text.split('\n');
    for (const line of ['Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/streamgate', 'PrivateTmp=yes', 'UMask=0077', 'WantedBy=multi-user.target']) {
      assert.ok(lines.includes(line), line);
    }
  });

  for (const [field, value] of [['dataDir', '/var/lib/stream gate'], ['user', 'a"b'], ['binary', '/opt/%h/streamgate'], ['dataDir', '/x;rm']] as const) {
    it(`refuses a ${field} systemd would read otherwise: ${value}`, () => {
      assert.throws(() => renderUnit({ ...options, [field]: value }), new RegExp(`systemd unit: ${field} must not contain`));
    });
  }
});
