import { AppError } from '../../core/errors.js';

/** Placeholder until the services land (platform, edge, ingest issues): says so plainly. */
export async function run(): Promise<void> {
  throw new AppError(
    501,
    'not_yet_available',
    'the services are not part of this release yet; the operator commands (init, events, tokens, doctor) work',
  );
}
