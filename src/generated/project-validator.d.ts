import type { ErrorObject } from "ajv";

/** Standalone validator for schemas/promplate.schema.json (generated). */
export interface ProjectValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
export declare const validate: ProjectValidator;
export default validate;
