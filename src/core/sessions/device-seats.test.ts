import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../errors.js';
import { checkDevicePolicy, checkDevices, freeSeat } from './device-seats.js';

describe('freeSeat', () => {
  const cases: [number, number[], number | null][] = [
    [1, [], 0],
    [1, [0], null],
    [2, [0], 1],
    [3, [1], 0],
    [3, [0, 2], 1],
    [3, [2, 1, 0], null],
    // A code with more sessions than seats (never expected): still full.
    [2, [0, 1, 5], null],
  ];
  for (const [devices, taken, expected] of cases) {
    it(`${devices} seats, taken ${JSON.stringify(taken)} → ${expected}`, () => assert.equal(freeSeat(devices, taken), expected));
  }
});

describe('seat and policy input', () => {
  it('takes 1 to 100 devices and the two policies, refusing anything else with the flag named', () => {
    assert.equal(checkDevices(1), 1);
    assert.equal(checkDevices(100), 100);
    for (const bad of [0, 101, 1.5, -1, Number.NaN]) assert.throws(() => checkDevices(bad), (e) => e instanceof AppError && e.status === 400 && /--devices/.test(e.message));
    assert.equal(checkDevicePolicy('block'), 'block');
    assert.equal(checkDevicePolicy('takeover'), 'takeover');
    assert.throws(() => checkDevicePolicy('share'), /--device-policy: "share" is not a device policy/);
  });
});
