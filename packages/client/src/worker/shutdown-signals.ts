const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Calls `stop` on the first SIGINT or SIGTERM, then removes its listeners, so that a second
 * signal gets Node's default behaviour (exit) while the worker drains. Returns a function
 * that removes the listeners.
 */
export function onShutdownSignals(stop: () => void): () => void {
  const dispose = () => {
    for (const signal of SIGNALS) process.off(signal, listener);
  };
  const listener = () => {
    dispose();
    stop();
  };
  for (const signal of SIGNALS) process.once(signal, listener);
  return dispose;
}
