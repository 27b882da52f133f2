import type { EventLatency } from '../db/schema.js';
import { invalidInput } from '../errors.js';

export const EVENT_LATENCIES = ['low', 'normal'] as const satisfies readonly EventLatency[];

export function checkLatency(value: string, what = '--latency'): EventLatency {
  if (!(EVENT_LATENCIES as readonly string[]).includes(value)) throw invalidInput(`${what}: "${value}" is not a latency (low or normal)`);
  return value as EventLatency;
}
