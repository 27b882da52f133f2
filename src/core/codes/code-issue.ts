import type { KeyObject } from 'node:crypto';
import { CODE_LENGTH } from '../access-code.js';
import { recordAudit, type AuditActor } from '../audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { toIso } from '../duration.js';
import { AppError } from '../errors.js';
import { getEvent } from '../events/event-service.js';
import { createCodeBatch } from './code-batch.js';
import { revokeCodeIds } from './code-revocation.js';
import type { CodeCsvBatch, CodeCsvRow } from './code-csv.js';
import { resolveCodeExpiry } from './code-expiry.js';
import { checkCount, checkLabel } from './code-label.js';
import { whereCodeStatus } from './code-status.js';
import { checkDevices } from '../sessions/device-seats.js';

export interface IssueDeps {
  db: Db;
  clock: Clock;
  pepper: KeyObject;
  actor: AuditActor;
  ip?: string | null;
}

/** Where the plaintext goes. It exists nowhere else, so `sync` must make it durable. */
export interface CodeSink {
  /** A chunk of new codes (CODE_LENGTH latin1 bytes each, back to back), all sharing `batch`. */
  write(codes: Buffer, batch: CodeCsvBatch): void;
  sync(): void;
}

/** A sink holding the codes in memory, for a caller that hands them over once the batch is in. */
export function memoryCodeSink(): CodeSink & { rows: CodeCsvRow[] } {
  const rows: CodeCsvRow[] = [];
  return {
    rows,
    write: (codes, batch) => {
      for (let at = 0; at < codes.length; at += CODE_LENGTH) rows.push({ code: codes.toString('latin1', at, at + CODE_LENGTH), ...batch });
    },
    sync: () => undefined,
  };
}

export interface IssueRequest {
  eventId: string;
  count: number;
  expiresAt?: number;
  expiresInMs?: number;
  label?: string;
  /** Seats: devices each code may play on at once (default 1). */
  devices?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface IssueResult {
  eventId: string;
  count: number;
  expiresAt: string;
  label: string | null;
  devices: number;
}

/** Issues `count` new codes for an event, all or none, handing the plaintext to `sink`. */
export async function issueCodes(deps: IssueDeps, request: IssueRequest, sink: CodeSink): Promise<IssueResult> {
  const count = checkCount(request.count);
  const label = checkLabel(request.label);
  const devices = checkDevices(request.devices ?? 1);
  const event = await getEvent(deps.db, request.eventId);
  if (event.status === 'archived') throw new AppError(409, 'event_archived', `event "${event.id}" is archived`);
  const expiresAt = resolveCodeExpiry(event, deps.clock(), { at: request.expiresAt, inMs: request.expiresInMs });
  await writeBatch(deps, { eventId: event.id, count, expiresAt, label, devices, onProgress: request.onProgress }, sink, async (trx, now) => {
    await recordAudit(trx, now, {
      actor: deps.actor,
      action: 'codes.create',
      target: event.id,
      ip: deps.ip ?? null,
      details: { count, label, expiresAt: toIso(expiresAt), devices },
    });
  });
  return { eventId: event.id, count, expiresAt: toIso(expiresAt)!, label, devices };
}

export interface RotateRequest {
  eventId: string;
  label?: string;
  /** Only codes nobody has used yet (e.g. re-mailing unopened invitations). */
  unusedOnly?: boolean;
  expiresAt?: number;
  expiresInMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RotateResult extends IssueResult {
  revoked: number;
}

/**
 * Replaces the selected live codes (default: every active or used code of the event) with as
 * many new ones. The revocation and the new codes commit in the same transaction.
 */
export async function rotateCodes(deps: IssueDeps, request: RotateRequest, sink: CodeSink): Promise<RotateResult> {
  const label = checkLabel(request.label);
  const event = await getEvent(deps.db, request.eventId);
  if (event.status === 'archived') throw new AppError(409, 'event_archived', `event "${event.id}" is archived`);
  const now = deps.clock();
  const statuses = request.unusedOnly ? (['active'] as const) : (['active', 'used'] as const);
  let query = deps.db
    .selectFrom('codes')
    .select(['id', 'devices'])
    .where('event_id', '=', event.id)
    .where((eb) => eb.or(statuses.map((status) => whereCodeStatus(status, now)(eb))));
  if (label) query = query.where('label', '=', label);
  const old = await query.execute();
  const oldIds = old.map((r) => r.id);
  // The new codes keep the seats of those they replace (the most of them, when they differ).
  const devices = old.reduce((most, r) => Math.max(most, r.devices), 1);
  if (oldIds.length === 0) {
    throw new AppError(400, 'nothing_to_rotate', `event "${event.id}" has no ${request.unusedOnly ? 'unused ' : ''}live codes${label ? ` labelled "${label}"` : ''}`);
  }
  const expiresAt = resolveCodeExpiry(event, now, { at: request.expiresAt, inMs: request.expiresInMs });
  let revoked = 0;
  await writeBatch(deps, { eventId: event.id, count: oldIds.length, expiresAt, label, devices, onProgress: request.onProgress }, sink, async (trx, at) => {
    revoked = (await revokeCodeIds(trx, at, oldIds, 'rotated')).length;
    await recordAudit(trx, at, {
      actor: deps.actor,
      action: 'codes.rotate',
      target: event.id,
      ip: deps.ip ?? null,
      details: { revoked, created: oldIds.length, label, unusedOnly: Boolean(request.unusedOnly) },
    });
  });
  return { eventId: event.id, count: oldIds.length, expiresAt: toIso(expiresAt)!, label, devices, revoked };
}

interface BatchRequest {
  eventId: string;
  count: number;
  expiresAt: number;
  label: string | null;
  devices: number;
  onProgress?: (done: number, total: number) => void;
}

function writeBatch(deps: IssueDeps, batch: BatchRequest, sink: CodeSink, inCommit: (trx: Db, now: number) => Promise<void>) {
  const columns: CodeCsvBatch = { eventId: batch.eventId, expiresAt: toIso(batch.expiresAt)!, label: batch.label };
  return createCodeBatch(
    deps,
    { eventId: batch.eventId, count: batch.count, expiresAt: batch.expiresAt, label: batch.label, devices: batch.devices },
    {
      onCodes: (codes) => sink.write(codes, columns),
      beforeCommit: () => sink.sync(),
      inCommit: (trx, now) => inCommit(trx, now),
      onProgress: batch.onProgress,
    },
  );
}
