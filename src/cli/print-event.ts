import type { EventView } from '../core/events/event-view.js';
import { colour, printFields, printJson, type Output } from './output.js';

export async function statusText(out: Output, status: string): Promise<string> {
  const tint = { live: 'green', scheduled: 'yellow', ended: 'grey', archived: 'grey' } as const;
  return colour(out, tint[status as keyof typeof tint] ?? 'bold', status);
}

export async function printEvent(out: Output, event: EventView): Promise<void> {
  if (out.json) return printJson(event);
  await printFields(out, [
    ['id', event.id],
    ['title', event.title],
    ['status', await statusText(out, event.status)],
    ['starts', event.startsAt],
    ['ends', event.endsAt],
    ['rewatch', `${event.rewatchHours} h`],
    ['rtmp server', event.rtmpUrl],
    ['stream key', event.streamKey],
    ['live output', event.ladder],
    ['device policy', event.devicePolicy],
    ['created', event.createdAt],
  ]);
}
