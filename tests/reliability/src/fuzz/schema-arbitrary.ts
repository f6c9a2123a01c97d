// Valid values of a JSON schema from openapi.yaml, as fast-check arbitraries.
import fc from "fast-check";
import type { Schema } from "../spec.js";

/** Per property name: a generator that replaces the schema's (real ids, short waits). */
export type Overrides = Record<string, fc.Arbitrary<unknown>>;

const shortString = (min = 0, max = 20) =>
  fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max, 20)) });

function mergeAllOf(schemas: Schema[]): Schema {
  const merged: Schema = { properties: {}, required: [] };
  for (const s of schemas) {
    Object.assign(merged, { ...s, properties: merged.properties, required: merged.required });
    Object.assign(merged.properties!, s.properties);
    merged.required!.push(...(s.required ?? []));
  }
  return merged;
}

/** A valid value of `schema` (valid as far as the schema says; the server may still refuse it). */
export function validValue(schema: Schema, overrides: Overrides = {}): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.allOf) return validValue(mergeAllOf(schema.allOf), overrides);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices)
    return fc.oneof(
      ...choices.map((s) =>
        validValue({ ...schema, oneOf: undefined, anyOf: undefined, ...s }, overrides),
      ),
    );
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type) => validValue({ ...schema, type }, overrides)));
  }
  const excluded = schema.not?.const;
  const keep = (arb: fc.Arbitrary<unknown>) =>
    excluded === undefined ? arb : arb.filter((v) => v !== excluded);
  switch (schema.type) {
    case "string": {
      if (schema.format === "uuid") return fc.uuid();
      if (schema.format === "date-time") {
        return fc
          .date({ min: new Date("2000-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      if (schema.pattern) {
        const max = schema.maxLength ?? 20;
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= max);
      }
      return shortString(schema.minLength ?? 0, schema.maxLength ?? 20);
    }
    case "integer":
      return keep(
        fc.integer({
          min: schema.minimum ?? -1_000_000,
          max: schema.maximum ?? 1_000_000,
        }),
      );
    case "number":
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(validValue(schema.items ?? {}, overrides), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
      });
    case "object":
      return objectValue(schema, overrides);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectValue(schema: Schema, overrides: Overrides): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) {
    // Free-form (record data, metadata): any small JSON object.
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    });
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) {
    model[name] = overrides[name] ?? validValue(properties[name]!, overrides);
  }
  const required = (schema.required ?? []).filter((name) => name in model);
  const value = fc.record(model, { requiredKeys: required });
  const min = schema.minProperties ?? 0;
  return min > 0 ? value.filter((v) => Object.keys(v).length >= min) : value;
}
