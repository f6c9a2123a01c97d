// Runtime validators (zod 4) generated from openapi.yaml. Needs the optional peer dependency `zod`.
export * from "./generated/zod.gen.js";
