import { useEffect, useState } from "preact/hooks";

/** The console's pages; the hash of the URL says which (#/consumers/my-consumer). */
export type Route =
  | { page: "streams" }
  | { page: "consumers" }
  | { page: "new-consumer" }
  | { page: "consumer"; name: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "streams") return { page: "streams" };
  if (parts[0] === "consumers" && parts[1] === "new" && parts.length === 2)
    return { page: "new-consumer" };
  if (parts[0] === "consumers" && parts[1]) return { page: "consumer", name: parts[1] };
  return { page: "consumers" };
}

/** Links to the pages. */
export const href = {
  streams: "#/streams",
  consumers: "#/consumers",
  newConsumer: "#/consumers/new",
  consumer: (name: string) => `#/consumers/${encodeURIComponent(name)}`,
};

/** The current page; follows the back and forward buttons. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
