import { AppError } from '../core/errors.js';

/**
 * Core validation messages name the CLI flag (`--starts-at: …`), since the CLI is their first
 * user. Over HTTP the caller sent JSON fields, so the message names the field instead.
 */
const FIELD_OF_FLAG: Readonly<Record<string, string>> = {
  '--title': 'title',
  '--id': 'id',
  '--starts-at': 'startsAt',
  '--ends-at': 'endsAt',
  '--rewatch': 'rewatchHours',
  '--ladder': 'ladder',
  '--count': 'count',
  '--label': 'label',
  '--expires-at': 'expiresAt',
  '--expires-in': 'expiresIn',
  '--name': 'name',
  '--scope': 'scope',
  '--event': 'eventId',
  '--allow-ip': 'allowIps',
  '--user': 'username',
};

export function withApiFieldNames(error: AppError): AppError {
  if (error.status >= 500) return error;
  const message = error.message.replace(/--[a-z][a-z-]*/g, (flag) => FIELD_OF_FLAG[flag] ?? flag);
  return message === error.message ? error : new AppError(error.status, error.code, message, error.details);
}
