/**
 * The part of a Salesforce Contact this service reads; Salesforce sends many more fields. A
 * type alias rather than an interface, so it fits where a `Record<string, unknown>` is expected.
 */
export type Contact = {
  Email?: string | null;
  FirstName?: string | null;
  LastName?: string | null;
};
