import { cliActor } from '../../core/audit-log.js';
import { AppError } from '../../core/errors.js';
import { issueCodes, memoryCodeSink } from '../../core/codes/code-issue.js';
import { createEvent, findEvent, listEvents } from '../../core/events/event-service.js';
import { rtmpServerUrl } from '../../core/events/event-view.js';
import { setRecordingWindow } from '../../core/events/recording-window.js';
import { openStreamKey } from '../../core/events/stream-key-seal.js';
import type { CommandContext } from '../context.js';
import { initialise } from './init.js';
import { startServices } from './serve.js';

const DEMO_EVENT_ID = 'demo';
const DEMO_CODES = 3;
const WEEK_MS = 7 * 24 * 3_600_000;
/** The test pattern never ends: its recording keeps the last 10 minutes, not the disk's worth. */
const DEMO_RECORDING_SECONDS = 600;

/**
 * Everything a newcomer needs in one command: initialise if needed, serve, and say where things
 * are. With --demo also a demo event, a few codes and a live test pattern published into it, so
 * the portal plays video a minute after install.
 */
export async function run(ctx: CommandContext, options: { demo?: boolean }): Promise<void> {
  const init = await initialise(ctx);
  for (const t of init.tightened) process.stderr.write(`streamgate: warning: ${t.path} was mode ${t.from}, readable by other users; now ${t.to}\n`);
  const db = await ctx.db();
  const demoCodes = options.demo ? await prepareDemo(ctx) : [];
  const events = await listEvents(db);
  const served = await startServices(ctx, 'all');
  const lines = [
    '',
    `viewer portal   ${ctx.config.platformUrl}/`,
    `admin console   ${ctx.config.platformUrl}/admin   (first: streamgate admin set-password)`,
    `rtmp server     ${rtmpServerUrl(ctx.config)}   (OBS: Settings → Stream → Service "Custom…")`,
  ];
  for (const event of events.filter((e) => e.status !== 'archived')) lines.push(`  ${event.id.padEnd(14)}stream key: streamgate events show ${event.id}`);
  if (events.length === 0) lines.push('no events yet:  streamgate events create --title "My event"');
  if (demoCodes.length > 0) {
    lines.push(`demo codes      ${demoCodes.join('  ')}   (type one into the portal; the test pattern is live)`);
  } else {
    lines.push('codes:          streamgate tokens create --event ID --count 10 --out codes.csv');
  }
  process.stderr.write(`${lines.join('\n')}\n\n`);

  if (options.demo && served.rtmpUrl) {
    const event = (await findEvent(db, DEMO_EVENT_ID))!;
    const { publishTestPattern } = await import('../../ingest/test-pattern.js');
    const streamKey = openStreamKey(await ctx.keyring(), event.stream_key, event.id);
    const publisher = publishTestPattern({ ffmpegPath: ctx.config.ffmpegPath, publishUrl: `${served.rtmpUrl}/${streamKey}` });
    let stopping = false;
    publisher.published.catch((error: Error) => {
      if (!stopping) process.stderr.write(`streamgate: the demo test pattern could not publish: ${error.message}\n`);
    });
    publisher.on('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`streamgate: the demo test pattern stopped (ffmpeg exit ${code ?? signal})\n`);
    });
    // Stopping: the publisher first, so the ingest sees it leave and ends the event.
    const stopPublisher = () => {
      stopping = true;
      publisher.kill('SIGTERM');
    };
    process.once('SIGINT', stopPublisher);
    process.once('SIGTERM', stopPublisher);
  }
  await served.done;
}

/** The demo event (created once) and a few fresh codes for it, valid for a week. */
async function prepareDemo(ctx: CommandContext): Promise<string[]> {
  const db = await ctx.db();
  const deps = { db, clock: ctx.clock, actor: cliActor(), keyring: await ctx.keyring() };
  const existing = await findEvent(db, DEMO_EVENT_ID);
  if (!existing || existing.status === 'archived') {
    if (existing) throw new AppError(409, 'event_archived', `the "${DEMO_EVENT_ID}" event is archived; run "streamgate up" without --demo`);
    await createEvent(deps, { id: DEMO_EVENT_ID, title: 'StreamGate demo', rewatchHours: ctx.config.defaultRewatchHours });
  }
  await setRecordingWindow(db, DEMO_EVENT_ID, DEMO_RECORDING_SECONDS);
  const sink = memoryCodeSink();
  await issueCodes({ ...deps, pepper: deps.keyring.pepper }, { eventId: DEMO_EVENT_ID, count: DEMO_CODES, expiresInMs: WEEK_MS, label: 'demo' }, sink);
  return sink.rows.map((r) => r.code);
}
