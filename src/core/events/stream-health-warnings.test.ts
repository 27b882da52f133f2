import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_FIGURES, type StreamFigures } from './stream-health.js';
import { healthWarnings } from './stream-health-warnings.js';

describe('healthWarnings', () => {
  const cases: { name: string; figures: Partial<StreamFigures>; stale?: boolean; rehearsal?: boolean; codes: string[] }[] = [
    { name: 'a healthy stream', figures: { keyframeIntervalSeconds: 2, speed: 1.0, inputSpeed: 0.99, droppedFrames: 0 }, codes: [] },
    { name: 'nothing measured yet', figures: {}, codes: [] },
    { name: 'a 6 s GOP (the common OBS mistake)', figures: { keyframeIntervalSeconds: 6 }, codes: ['keyframe_interval'] },
    { name: 'a 1 s GOP', figures: { keyframeIntervalSeconds: 1 }, codes: ['keyframe_interval'] },
    { name: 'FFmpeg below real time', figures: { speed: 0.8 }, codes: ['slow_ffmpeg'] },
    { name: 'an uplink below real time', figures: { inputSpeed: 0.7 }, codes: ['slow_input'] },
    { name: 'dropped frames', figures: { droppedFrames: 12 }, codes: ['dropped_frames'] },
    { name: 'a silent ingest', figures: {}, stale: true, codes: ['stale'] },
    { name: 'a rehearsal', figures: {}, rehearsal: true, codes: ['rehearsal'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const warnings = healthWarnings({ ...NO_FIGURES, ...c.figures }, 2, c.stale ?? false, c.rehearsal ?? false);
      assert.deepEqual(warnings.map((w) => w.code), c.codes);
    });
  }

  it('tells the operator what to set', () => {
    const [warning] = healthWarnings({ ...NO_FIGURES, keyframeIntervalSeconds: 6 }, 2, false, false);
    assert.match(warning!.message, /Keyframe interval is 6 s but segments are 2 s: set .* to 2 s/);
  });
});
