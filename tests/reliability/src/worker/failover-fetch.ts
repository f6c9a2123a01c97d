import type { FetchLike } from "@sequin/client";

/**
 * A `fetch` for a client of several replicas behind no load balancer: requests go to the current
 * replica; when one cannot be reached (killed, refused, reset), the next replica becomes current
 * and the failed attempt throws, so the client's own retry goes there.
 */
export function failoverFetch(
  urls: string[],
  first: number,
  onFailover?: (from: string, to: string) => void,
): FetchLike {
  let current = first % urls.length;
  return async (request) => {
    const chosen = current;
    const base = new URL(urls[chosen]!);
    const target = new URL(request.url);
    target.protocol = base.protocol;
    target.host = base.host;
    const body = request.body === null ? null : await request.arrayBuffer();
    try {
      return await fetch(target, {
        method: request.method,
        headers: request.headers,
        body,
        signal: request.signal,
      });
    } catch (error) {
      if (!request.signal.aborted && current === chosen) {
        current = (chosen + 1) % urls.length;
        onFailover?.(urls[chosen]!, urls[current]!);
      }
      throw error;
    }
  };
}
