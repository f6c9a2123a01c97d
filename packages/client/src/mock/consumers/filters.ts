import type { components } from "../../generated/openapi.gen.js";

type FiltersOut = components["schemas"]["ConsumerFiltersOut"];
type FiltersIn = components["schemas"]["ConsumerFilters"];

/** What a filter looks at, on a record or an event. */
export interface FilterSubject {
  collection_id: string;
  resource_id: string | null;
  provider: string | null;
  sync: { id: string } | null;
}

const ANY = "*";

/** Every filter present, `*` for those left out. */
export function completeFilters(filters: FiltersIn | undefined): FiltersOut {
  return {
    collection_id: filters?.collection_id ?? ANY,
    resource_id: filters?.resource_id ?? ANY,
    provider: filters?.provider ?? ANY,
    sync_id: filters?.sync_id ?? ANY,
  };
}

/** Filters AND together; `*` matches anything, including null. */
export function matchesFilters(filters: FiltersOut, subject: FilterSubject): boolean {
  return (
    matchOne(filters.collection_id, subject.collection_id) &&
    matchOne(filters.resource_id, subject.resource_id) &&
    matchOne(filters.provider, subject.provider) &&
    matchOne(filters.sync_id, subject.sync?.id ?? null)
  );
}

function matchOne(filter: string, value: string | null): boolean {
  return filter === ANY || filter === value;
}
