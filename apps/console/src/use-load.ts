import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "./api";

/** The state of data loaded from the API. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  /** Loads again now. */
  reload: () => void;
}

/**
 * Loads with `load` when `key` changes, and again every `refreshMs` (default 5 s) so the counts
 * stay current. An answer that arrives after a newer request started is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, key: string, refreshMs = 5_000): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const request = ++latest.current;
    loadRef.current().then(
      (value) => {
        if (request !== latest.current) return;
        setData(value);
        setError(undefined);
      },
      (err: unknown) => {
        if (request === latest.current) setError(errorText(err));
      },
    );
  }, []);

  useEffect(() => {
    setData(undefined);
    reload();
    const timer = window.setInterval(reload, refreshMs);
    return () => {
      window.clearInterval(timer);
      latest.current++;
    };
  }, [key, refreshMs, reload]);

  return { data, error, reload };
}
