/** Config values as Alertmanager's Go decoder reads them into its fields. */

export type Path = (string | number)[];
export type Obj = Record<string, unknown>;

export const isObj = (value: unknown): value is Obj => typeof value === "object" && value !== null && !Array.isArray(value);
export const asObj = (value: unknown): Obj => (isObj(value) ? value : {});
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** The text Go's YAML decoder puts in a string field (a number or boolean becomes its text, null the empty string). */
export const text = (value: unknown): string => (value === undefined || value === null || typeof value === "object" ? "" : String(value));
/** A non-nil pointer field: the key is present with a non-null value. */
export const given = (value: unknown): boolean => value !== undefined && value !== null;
/** A non-empty string field. */
export const filled = (value: unknown): boolean => text(value) !== "";
export const q = (value: string): string => JSON.stringify(value);

/** Secret fields read back from Alertmanager's API hold this instead of the value. */
export const SECRET_TOKEN = "<secret>";
