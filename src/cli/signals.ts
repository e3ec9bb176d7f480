/**
 * SIGINT/SIGTERM handling: the first signal asks the running command to stop gracefully (close
 * links and connections, or the broker); a second one exits at once, for a broker that hangs.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) stop(signal);
    else process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
