import fs from 'node:fs';
import { cliActor } from '../../../core/audit-log.js';
import { AppError } from '../../../core/errors.js';
import { checkEventAcceptsVod, markEventRecorded } from '../../../core/events/event-service.js';
import { importVod } from '../../../ingest/vod-import.js';
import { HlsKeyStore } from '../../../core/hls-keys/hls-key-store.js';
import type { CommandContext } from '../../context.js';
import { ProgressBar } from '../../progress-bar.js';
import { printJson } from '../../output.js';

/** `streamgate vod import ID FILE`: a recorded file becomes the event's VOD (SPEC §2). */
export async function run(ctx: CommandContext, _options: unknown, [eventId, file]: string[]): Promise<void> {
  const db = await ctx.db();
  const event = await checkEventAcceptsVod(db, eventId!);
  const keys = event.encryption === 'aes-128' ? new HlsKeyStore(ctx.config.dataDir, await ctx.keyring()) : null;
  if (!fs.existsSync(file!) || !fs.statSync(file!).isFile()) throw new AppError(400, 'file_not_found', `FILE: ${file} does not exist`);
  const progress = new ProgressBar('import [{bar}] {percentage}% | {value}/{total} s | ETA {eta}s', 1);
  let result;
  try {
    result = await importVod(ctx.config, eventId!, file!, (done, total) => progress.update(Math.round(done), Math.round(total)), keys);
  } finally {
    progress.stop();
  }
  await markEventRecorded({ db, clock: ctx.clock, actor: cliActor() }, eventId!, { file, durationSeconds: result.durationSeconds, transcoded: result.transcoded, audioOnly: result.audioOnly, encrypted: result.encrypted });
  if (ctx.out.json) return printJson({ eventId, ...result });
  process.stderr.write(`${eventId}: ${result.durationSeconds.toFixed(1)} s ${result.audioOnly ? 'audio ' : ''}${result.transcoded ? 'transcoded' : 'copied'}${result.encrypted ? ' (AES-128)' : ''} to ${result.playlist}; status ended (rewatchable until codes expire)\n`);
}
