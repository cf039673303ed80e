/**
 * The handlers log through firebase-functions/logger, which prints one JSON record per line for
 * Cloud Logging. In a terminal those INFO records drown the story, so the local runner drops them
 * unless --verbose; warnings and errors still show. The logger keeps the console it found at
 * import time, so the filter sits on stdout itself.
 */
export function quietStructuredLogs(verbose: boolean): void {
  if (verbose) return;
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{"') && /"severity":"(INFO|DEBUG)"/.test(chunk)) return true;
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
}
