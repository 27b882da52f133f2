import type { BrandingView } from '../core/events/event-branding.js';
import type { EventView } from '../core/events/event-view.js';
import { colour, printFields, printJson, type Output } from './output.js';

export async function statusText(out: Output, status: string): Promise<string> {
  const tint = { live: 'green', scheduled: 'yellow', ended: 'grey', archived: 'grey' } as const;
  return colour(out, tint[status as keyof typeof tint] ?? 'bold', status);
}

/** With `branding`, the watch page's fields too (`branding` in JSON). */
export async function printEvent(out: Output, event: EventView, branding?: BrandingView): Promise<void> {
  if (out.json) return printJson(branding ? { ...event, branding } : event);
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
    ['public', event.public ? 'yes: plays without a code' : 'no'],
    ['created', event.createdAt],
    ...brandingFields(branding),
  ]);
}

function brandingFields(branding: BrandingView | undefined): [string, string | null][] {
  if (!branding) return [];
  return [
    ['description', branding.description],
    ['organiser', branding.organiser],
    ['poster', branding.posterUrl],
    ['logo', branding.logoUrl],
    ['accent', branding.accent],
    ['language', branding.language],
  ];
}
