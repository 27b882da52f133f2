import { AppError } from '../core/errors.js';

/** What body-parser and the router throw: an HTTP status, and for body-parser a `type`. */
interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
}

/**
 * The client's mistakes that Express and body-parser report as errors, as the answer they
 * deserve; null for anything else (a defect of ours: 500). The message never echoes the body
 * (a JSON syntax error quotes it, and a body may hold an access code).
 */
export function clientErrorOf(error: unknown): AppError | null {
  if (error instanceof URIError) return new AppError(400, 'invalid_request', 'The request path is malformed.');
  if (typeof error !== 'object' || error === null) return null;
  const { status, statusCode, type, expose } = error as HttpishError;
  const code = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : NaN;
  switch (type) {
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', 'The request body is larger than 16 KiB.');
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_media_type', 'The request body must be JSON in UTF-8.');
    case 'encoding.unsupported':
      return new AppError(415, 'unsupported_media_type', 'The request body must not be compressed (no Content-Encoding).');
    case 'entity.parse.failed':
      return new AppError(400, 'invalid_request', 'The request body is not valid JSON.');
  }
  // Anything else a library marks as the client's (an aborted upload, a body that does not
  // decompress, a wrong Content-Length): a plain 400.
  if (code >= 400 && code < 500 && expose !== false) return new AppError(400, 'invalid_request', 'The request body could not be read.');
  return null;
}
