import type { ErrorObject } from "ajv";

/** Standalone validator for schemas/prometheus-rules.schema.json (generated). */
export interface PrometheusRulesValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
export declare const validate: PrometheusRulesValidator;
export default validate;
