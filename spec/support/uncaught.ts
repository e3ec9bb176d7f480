/**
 * Fails a test when anything throws out of a callback (a socket's data handler, a timer) while it
 * runs: mocha's own handler would blame whichever test runs next, or the process would crash.
 * Call `noUncaughtExceptions()` in a describe block, and `check()` at the end of each test.
 */
export function noUncaughtExceptions(): { check(): void } {
  const seen: unknown[] = [];
  const onError = (e: unknown): void => { seen.push(e); };
  let listeners: NodeJS.UncaughtExceptionListener[] = [];
  beforeEach(() => {
    seen.length = 0;
    // Ours alone: mocha's listener would fail the run for what this test reports itself.
    listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
  });
  afterEach(() => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    for (const l of listeners) process.on('uncaughtException', l);
    listeners = [];
    if (seen.length > 0) throw new Error(`uncaught: ${seen.map((e) => (e instanceof Error ? e.stack : String(e))).join('\n')}`);
  });
  return {
    check: () => {
      if (seen.length > 0) throw new Error(`uncaught: ${seen.map((e) => (e instanceof Error ? e.stack : String(e))).join('\n')}`);
    },
  };
}
