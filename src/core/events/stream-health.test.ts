import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IngestState, StreamHealthTable } from '../db/schema.js';
import { NO_FIGURES, toHealthView } from './stream-health.js';

const NOW = Date.UTC(2027, 0, 2, 10);
const row = (changes: Partial<StreamHealthTable> = {}): StreamHealthTable => ({
  event_id: 'conf', updated_at: NOW - 1_000, publisher_ip: '203.0.113.7', connected_at: NOW - 125_000, left_at: null,
  reconnects: 1, segment_seconds: 2, figures: JSON.stringify({ ...NO_FIGURES, keyframeIntervalSeconds: 6 }), ...changes,
});
const event = (ingest: IngestState, changes: { status?: string; starts_at?: number | null } = {}) =>
  ({ id: 'conf', status: 'live', starts_at: null, ingest_state: ingest, ingest_reason: null, ...changes });

describe('toHealthView', () => {
  const cases: { name: string; event: ReturnType<typeof event>; row: StreamHealthTable | null; state: string; rehearsal: boolean; warnings: string[] }[] = [
    { name: 'never published', event: event('idle', { status: 'scheduled' }), row: null, state: 'idle', rehearsal: false, warnings: [] },
    { name: 'publishing', event: event('writing'), row: row(), state: 'publishing', rehearsal: false, warnings: ['keyframe_interval'] },
    { name: 'connected, no segment yet', event: event('connected', { status: 'scheduled' }), row: row(), state: 'publishing', rehearsal: false, warnings: ['keyframe_interval'] },
    { name: 'the ingest stopped reporting', event: event('writing'), row: row({ updated_at: NOW - 60_000 }), state: 'stale', rehearsal: false, warnings: ['stale', 'keyframe_interval'] },
    { name: 'the publisher left', event: event('idle', { status: 'ended' }), row: row({ left_at: NOW - 5_000 }), state: 'idle', rehearsal: false, warnings: [] },
    { name: 'a rehearsal', event: event('writing', { status: 'scheduled', starts_at: NOW + 3_600_000 }), row: row(), state: 'publishing', rehearsal: true, warnings: ['rehearsal', 'keyframe_interval'] },
    { name: 'started: no rehearsal', event: event('writing', { status: 'scheduled', starts_at: NOW - 1 }), row: row(), state: 'publishing', rehearsal: false, warnings: ['keyframe_interval'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const view = toHealthView(c.event, c.row, NOW);
      assert.equal(view.state, c.state);
      assert.equal(view.rehearsal, c.rehearsal);
      assert.deepEqual(view.warnings.map((w) => w.code), c.warnings);
    });
  }

  it('says who publishes and for how long', () => {
    const view = toHealthView(event('writing'), row(), NOW);
    assert.deepEqual(view.publisher, { address: '203.0.113.7', connectedAt: new Date(NOW - 125_000).toISOString(), connectedSeconds: 125, leftAt: null, reconnects: 1 });
    assert.equal(view.figures.keyframeIntervalSeconds, 6);
    assert.equal(view.figures.width, null, 'figures the ingest did not write are null');
  });
});
