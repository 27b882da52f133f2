import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The whole database, one interface per table. Times are epoch milliseconds (INTEGER), so
 * they compare and index the same way in SQLite and PostgreSQL. A new table also needs its line in
 * copy-plan.ts (`streamgate db copy`); the compiler says so.
 */
export interface Database {
  events: EventTable;
  code_batches: CodeBatchTable;
  access_codes: AccessCodeTable;
  /** A view: the access codes of committed batches, the only ones that exist for users, with their batch's seats. */
  codes: CodeView;
  sessions: SessionTable;
  revocations: RevocationTable;
  signing_keys: SigningKeyTable;
  api_keys: ApiKeyTable;
  audit_log: AuditLogTable;
  admin_users: AdminUserTable;
  admin_sessions: AdminSessionTable;
  admin_invites: AdminInviteTable;
  failure_budgets: FailureBudgetTable;
  code_counts: CodeCountTable;
  viewer_minutes: ViewerMinuteTable;
  viewer_hours: ViewerHourTable;
  event_traffic: EventTrafficTable;
  stream_health: StreamHealthTable;
  recording_windows: RecordingWindowTable;
  event_branding: EventBrandingTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  schema_versions: SchemaVersionTable;
}

/** One row per migration run that changed the schema: the newest migration then, and by which version. */
export interface SchemaVersionTable {
  migration: string;
  /** StreamGate's version (package.json) that ran it: the oldest that knows this schema. */
  version: string;
  migrated_at: number;
}

export type EventStatus = 'scheduled' | 'live' | 'ended' | 'archived';

/**
 * The ingest's side of an event: `idle` (no publisher), `connected` (a publisher is on, nothing
 * playable written yet), `writing` (segments are being written), `refused` (the publisher's stream
 * cannot be packaged), `failed` (FFmpeg kept failing and the ingest gave up).
 */
export type IngestState = 'idle' | 'connected' | 'writing' | 'refused' | 'failed';

/** `block`: a device beyond a code's seats is refused; `takeover`: it ends the least recently seen one. */
export type DevicePolicy = 'block' | 'takeover';

export interface EventTable {
  id: string;
  title: string;
  status: EventStatus;
  starts_at: number | null;
  ends_at: number | null;
  rewatch_hours: number;
  /** Sealed under a key derived from the pepper (core/events/stream-key-seal.ts). */
  stream_key: string;
  /** "copy" or a ladder such as "720p,480p,360p" (core/events/ladder.ts). */
  ladder: string;
  ingest_state: ColumnType<IngestState, IngestState | undefined, IngestState>;
  /** Why the ingest is in that state, in words for the operator. */
  ingest_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** What a device beyond a code's seats gets (migration 0015; core/sessions/device-policy.ts). */
  device_policy: ColumnType<DevicePolicy, DevicePolicy | undefined, DevicePolicy>;
  /**
   * When playing without a code was last turned on (migration 0017; core/events/event-public.ts);
   * null: a code is needed. Anonymous tokens carry it (claim `pub`).
   */
  public_since: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: number;
  updated_at: number;
}

/**
 * Codes are written in chunks so a million-code batch never holds the write lock for long;
 * they exist for users only once their batch is committed, which is one short transaction.
 * A batch whose writer died (no heartbeat) is garbage and gets deleted.
 */
export interface CodeBatchTable {
  id: string;
  event_id: string;
  count: number;
  created_at: number;
  heartbeat_at: number;
  committed_at: number | null;
  /** Seats: how many devices may play each code of the batch at once (migration 0015). */
  devices: ColumnType<number, number | undefined, number>;
}

export interface AccessCodeTable {
  id: string;
  event_id: string;
  batch_id: string;
  code_hash: Buffer;
  label: string | null;
  expires_at: number;
  created_at: number;
  first_used_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  revoke_reason: string | null;
}

/** A committed code as the `codes` view shows it: with its batch's seats. */
export interface CodeView extends AccessCodeTable {
  devices: number;
}

/**
 * Per event and expiry: how many committed codes there are, how many are used (and not revoked)
 * and how many revoked. Kept by triggers in the writing transaction (migration 0009); which
 * codes are expired follows from `expires_at` at read time (core/codes/code-counts.ts).
 */
export interface CodeCountTable {
  event_id: string;
  expires_at: number;
  codes: number;
  used: number;
  revoked: number;
}

export interface SessionTable {
  id: string;
  /** Null for an anonymous viewer of a public event (migration 0017): no code, no seat rule. */
  code_id: string | null;
  event_id: string;
  device_id: string;
  client_ip: string | null;
  user_agent: string | null;
  started_at: number;
  last_seen_at: number;
  /** Which of its code's seats (0 to the batch's devices - 1) the session holds (migration 0015). */
  seat: ColumnType<number, number | undefined, number>;
  /** Null while active; a partial unique index allows one active session per seat of a code. */
  ended_at: number | null;
  end_reason: string | null;
}

/**
 * `public_revoked`: the event stopped being public; every anonymous token of it carrying a
 * `pub` at or before the entry's time is refused (edge/revocation-list.ts).
 */
export type RevocationKind = 'code_revoked' | 'code_restored' | 'session_ended' | 'event_archived' | 'key_revoked' | 'public_revoked';

/** Append-only feed for the edges; `cursor` only grows. */
export interface RevocationTable {
  cursor: Generated<number>;
  kind: RevocationKind;
  event_id: string;
  code_id: string | null;
  session_id: string | null;
  /** The signing key of a `key_revoked` entry (whose event_id is empty). */
  kid: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: number;
}

/** Metadata of the signing keys; the key material itself lives only in data/secret. */
export interface SigningKeyTable {
  kid: string;
  created_at: number;
  retired_at: number | null;
  revoked_at: ColumnType<number | null, number | null | undefined, number | null>;
  /**
   * When `keys activate` (or `keys rotate`) made it the signing key; null for a key added but not
   * activated yet. The latest activated key that is not revoked is the one every replica signs with.
   */
  activated_at: ColumnType<number | null, number | null | undefined, number | null>;
}

/**
 * Failed attempts per client and purpose (core/failure-budget.ts): when the client's budget is
 * full again. A row whose time has passed means a full budget and is deleted.
 */
export interface FailureBudgetTable {
  scope: string;
  client: string;
  full_at: number;
}

/**
 * The most viewers an event had at once during a minute (core/analytics/viewer-sampler.ts). One row
 * per event and minute whichever replica sampled it; rolled up into viewer_hours after 7 days.
 */
export interface ViewerMinuteTable {
  id: Generated<number>;
  event_id: string;
  /** The minute's start, epoch ms. */
  minute: number;
  viewers: number;
}

/** An hour of viewer_minutes rolled up: its peak, and the sum and count of its minutes (the mean). */
export interface ViewerHourTable {
  id: Generated<number>;
  event_id: string;
  /** The hour's start, epoch ms. */
  hour: number;
  peak: number;
  /** The sum of the hour's per-minute viewers: a mean is viewer_minutes / minutes. */
  viewer_minutes: number;
  minutes: number;
}

/** Bytes of playlists and segments the edges report having sent for the event. */
export interface EventTrafficTable {
  event_id: string;
  bytes_delivered: number;
  updated_at: number;
}

/**
 * The ingest's last word on an event's stream (core/events/stream-health.ts): who publishes, since
 * when, and the figures it measured. One row per event, rewritten every few seconds while live.
 */
export interface StreamHealthTable {
  event_id: string;
  updated_at: number;
  publisher_ip: string | null;
  connected_at: number | null;
  /** When the publisher left; null while one is on. */
  left_at: number | null;
  reconnects: number;
  /** The ingest's HLS segment length, which the keyframe interval should match. */
  segment_seconds: number;
  /** JSON of StreamFigures. */
  figures: string;
}

/** An event whose recording keeps only its last `seconds` (a rolling playlist); others keep all. */
export interface RecordingWindowTable {
  event_id: string;
  seconds: number;
}

/**
 * What a viewer sees of an event before a code (core/events/event-branding.ts); an event without
 * a row has no branding and English as its default language. Images are file names under
 * data/branding/ (content-hashed), never paths.
 */
export interface EventBrandingTable {
  event_id: string;
  description: string | null;
  organiser: string | null;
  poster: string | null;
  logo: string | null;
  /** "#rrggbb" or null (the page's own colour). */
  accent: string | null;
  /** en | de | fr | es: the page's language when none of the viewer's languages is offered. */
  language: string;
  updated_at: number;
}

export interface ApiKeyTable {
  id: string;
  name: string;
  key_hash: Buffer;
  scope: 'global' | 'event';
  event_id: string | null;
  allow_ips: ColumnType<string, string | undefined, string>; // JSON array
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  details: string | null; // JSON
  /** The console role the actor acted with (migration 0018); null for the CLI, API keys and older entries. */
  role: string | null;
}

export interface AdminUserTable {
  username: string;
  /** `scrypt$N$r$p$salt$hash`, base64 parts. */
  password_hash: string;
  /** Sealed with a key derived from the pepper (core/admin/sealed-secret.ts); null without 2FA. */
  totp_secret: string | null;
  /** The last 30 s step whose code logged in: a code works once. */
  totp_last_step: number | null;
  /** owner, operator or support (core/admin/admin-roles.ts). */
  role: string;
  /** JSON array of the event ids an operator or support user is limited to; null: every event. */
  event_ids: string | null;
  created_at: number;
  updated_at: number;
}

/** A one-time link for a new console user (core/admin/admin-invites.ts). */
export interface AdminInviteTable {
  id: string;
  /** SHA-256 of the token, hex: the token itself is shown once and never stored. */
  token_hash: string;
  username: string;
  role: string;
  event_ids: string | null;
  /** The audit actor who made it. */
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface AdminSessionTable {
  id: string;
  username: string;
  ip: string | null;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
}

/** A receiver of webhook deliveries (core/webhooks). */
export interface WebhookTable {
  id: string;
  /** http(s) only, without credentials. */
  url: string;
  /** The event types it receives, comma-wrapped: ",event.live,code.redeemed,". */
  events: string;
  /** The signing secret, sealed under a key derived from the pepper (core/admin/sealed-secret.ts). */
  secret: string;
  created_at: number;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * The outbox: one row per delivery of one event to one webhook, written in the transaction of the
 * change that raised it, then claimed (`lease_until`), sent and retried by a platform's deliverer.
 * Finished rows are the delivery log, pruned after a while.
 */
export interface WebhookDeliveryTable {
  /** Also the `StreamGate-Delivery` header and the body's `id`: the same on every attempt. */
  id: string;
  webhook_id: string;
  type: string;
  /** JSON of the event's data. */
  data: string;
  created_at: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  /** A deliverer is sending it until then; after that anyone may claim it again. */
  lease_until: number | null;
  last_attempt_at: number | null;
  response_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

export type EventRow = Selectable<EventTable>;
export type EventBrandingRow = Selectable<EventBrandingTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type NewEventRow = Insertable<EventTable>;
export type EventUpdate = Updateable<EventTable>;
export type AccessCodeRow = Selectable<AccessCodeTable>;
export type NewAccessCodeRow = Insertable<AccessCodeTable>;
export type SessionRow = Selectable<SessionTable>;
export type RevocationRow = Selectable<RevocationTable>;
