import { field, h } from './dom.js';

/**
 * The console's fields for seats per code (issue 14): how many devices each new code plays on at
 * once, and what an event does with a device beyond them.
 */

/** "Devices per code" for the generate-codes form; its value is 1 to 100. */
export function devicesField(id: string): { element: HTMLElement; value(): number } {
  const input = h('input', { id, name: 'devices', type: 'number', min: 1, max: 100, value: 1, required: true });
  return { element: field('Devices per code (at once)', input), value: () => Number(input.value) };
}

/** "Another device" for an event's settings: block (refuse it) or takeover (the least recent stops). */
export function devicePolicyField(id: string): { element: HTMLElement; select: HTMLSelectElement } {
  const select = h('select', { id, name: 'devicePolicy' },
    h('option', { value: 'block' }, 'Refuse it until a device stops'),
    h('option', { value: 'takeover' }, 'It takes over: the least recently active device stops'));
  return { element: field('A code used on one device too many', select), select };
}
