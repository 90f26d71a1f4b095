import type { ErrorObject } from "ajv";

/** Standalone validator for schemas/prometheus-config.schema.json (generated). */
export interface PrometheusConfigValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
export declare const validate: PrometheusConfigValidator;
export default validate;
