/**
 * 128 + SIGPIPE: what a shell reports for `seq 1 1000000 | head -1`. A reader that stops early
 * (`| head`, a pager quit) is not an error worth a message, but the output was not all delivered,
 * so a script with `set -o pipefail` should still see that, as it does for cat or grep.
 */
export const CLOSED_OUTPUT_EXIT_CODE = 141;

/**
 * Node ignores SIGPIPE, so a write to a closed pipe surfaces as an 'error' event that, unhandled,
 * prints a stack trace. End the command quietly instead, as Unix tools do. Everything the CLI
 * prints comes after its database commit, so stopping here loses no write.
 */
export function endQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(CLOSED_OUTPUT_EXIT_CODE);
      throw error;
    });
  }
}
