// Mutations of a valid value: wrong types, missing and extra fields, hostile strings and numbers.
import fc from "fast-check";
import { hostileString, hostileValue } from "./hostile-values.js";

type Mutation =
  | { kind: "replace"; at: number; value: unknown }
  | { kind: "delete"; at: number }
  | { kind: "extra"; at: number; key: string; value: unknown }
  | { kind: "inject"; at: number; fragment: string; where: "start" | "end" | "all" }
  | { kind: "repeat"; at: number; times: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("extra" as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom("id", "account_id", "__proto__", "seq", "$where"), hostileString),
    value: hostileValue,
  }),
  fc.record({
    kind: fc.constant("inject" as const),
    at: fc.nat(),
    fragment: hostileString,
    where: fc.constantFrom("start" as const, "end" as const, "all" as const),
  }),
  fc.record({
    kind: fc.constant("repeat" as const),
    at: fc.nat(),
    times: fc.constantFrom(0, 2, 1001),
  }),
);

type Slot = { parent: Record<string, unknown> | unknown[] | undefined; key: string | number };

/** Every node of a JSON value, as (parent, key); the root has no parent. */
function slots(root: unknown): Slot[] {
  const out: Slot[] = [{ parent: undefined, key: "" }];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        out.push({ parent: node, key: i });
        walk(child);
      });
    } else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        out.push({ parent: node as Record<string, unknown>, key });
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

function apply(root: unknown, m: Mutation): unknown {
  // Generated values may be shared instances (constantFrom's `{}`): insert copies, or a later
  // mutation of this tree would change the constant, or make the tree circular.
  const fresh = (value: unknown) => structuredClone(value);
  const all = slots(root);
  const slot = all[m.at % all.length]!;
  const get = () =>
    slot.parent === undefined ? root : (slot.parent as Record<string | number, unknown>)[slot.key];
  const set = (value: unknown) => {
    if (slot.parent === undefined) root = value;
    else (slot.parent as Record<string | number, unknown>)[slot.key] = value;
  };
  const current = get();
  switch (m.kind) {
    case "replace":
      set(fresh(m.value));
      break;
    case "delete":
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else if (slot.parent) delete slot.parent[slot.key as string];
      else root = undefined;
      break;
    case "extra":
      if (current !== null && typeof current === "object" && !Array.isArray(current)) {
        Object.defineProperty(current, m.key, {
          value: fresh(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else set({ [m.key]: fresh(m.value) });
      break;
    case "inject":
      if (typeof current === "string") {
        set(
          m.where === "start"
            ? m.fragment + current
            : m.where === "end"
              ? current + m.fragment
              : m.fragment,
        );
      } else set(m.fragment);
      break;
    case "repeat":
      if (Array.isArray(current))
        set(m.times === 0 ? [] : Array.from({ length: m.times }, () => fresh(current[0] ?? null)));
      else set(Array.from({ length: Math.min(m.times, 3) }, () => fresh(current)));
      break;
  }
  return root;
}

/** 1 to 3 mutations of a value of `valid`. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([value, mutations]) => mutations.reduce((v, m) => apply(v, m), structuredClone(value)));
}
