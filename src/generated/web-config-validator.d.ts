import type { ErrorObject } from "ajv";

/** Standalone validator for schemas/web-config.schema.json (generated). */
export interface WebConfigValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
export declare const validate: WebConfigValidator;
export default validate;
