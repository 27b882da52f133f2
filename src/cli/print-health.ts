import type { StreamHealthView } from '../core/events/stream-health.js';
import { colour, printFields, type Output } from './output.js';

/** One event's stream health as `label  value` lines; warnings last, in yellow. */
export async function printHealth(out: Output, status: string, health: StreamHealthView): Promise<void> {
  const { figures: f, publisher: p } = health;
  const or = (value: unknown, unit = '') => (value === null || value === undefined ? '-' : `${value}${unit}`);
  const state = health.state === 'publishing' ? (health.rehearsal ? 'rehearsal (viewers wait for the start)' : 'publishing') : health.state === 'stale' ? 'stale (the ingest stopped reporting)' : 'no publisher';
  const fields: [string, string | number | null][] = [
    ['event', `${health.eventId} (${status})`],
    ['stream', await colour(out, health.state === 'publishing' ? 'green' : health.state === 'stale' ? 'red' : 'grey', state)],
    ['ingest', `${health.ingest.state}${health.ingest.reason ? `: ${health.ingest.reason}` : ''}`],
  ];
  if (p) {
    fields.push(
      ['publisher', `${or(p.address)}, ${p.reconnects} reconnect${p.reconnects === 1 ? '' : 's'}`],
      p.leftAt ? ['left at', p.leftAt] : ['connected', p.connectedSeconds === null ? p.connectedAt : `${p.connectedAt} (${duration(p.connectedSeconds)})`],
      ['video', f.videoCodec ? `${f.videoCodec} ${f.width && f.height ? `${f.width}×${f.height}` : '?×?'} at ${or(f.frameRate, ' fps')}` : 'none'],
      ['keyframes', f.keyframeIntervalSeconds === null ? '-' : `every ${f.keyframeIntervalSeconds} s (segments: ${or(health.segmentSeconds, ' s')})`],
      ['audio', f.audioCodec ?? 'none'],
      ['bitrate', `in ${or(f.bitrateInKbps, ' kbit/s')}, out ${or(f.bitrateOutKbps, ' kbit/s')}`],
      ['ffmpeg', `speed ${f.speed === null ? '-' : `${f.speed.toFixed(2)}×`}, ${or(f.droppedFrames)} dropped, ${or(f.duplicatedFrames)} duplicated frames`],
      ['input pace', f.inputSpeed === null ? '-' : `${f.inputSpeed.toFixed(2)}× real time`],
      ['encoder', f.encoder],
      ['updated', health.updatedAt],
    );
  }
  for (const warning of health.warnings) fields.push(['warning', await colour(out, 'yellow', warning.message)]);
  await printFields(out, fields);
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}
