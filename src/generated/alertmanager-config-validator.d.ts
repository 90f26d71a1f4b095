import type { ErrorObject } from "ajv";

/** Standalone validator for schemas/alertmanager-config.schema.json (generated). */
export interface AlertmanagerConfigValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
export declare const validate: AlertmanagerConfigValidator;
export default validate;
