/** `storage.tsdb` (TSDBConfig UnmarshalYAML): chunk encoding and retention. */
import { parseBase2Bytes } from "../../go/units.js";
import type { Obj, Path, PrometheusContext } from "./context.js";
import { isObj, scalar } from "./values.js";

export function checkStorage(ctx: PrometheusContext, storage: Obj): void {
  const tsdb = storage.tsdb;
  if (!isObj(tsdb)) return;
  const path: Path = ["storage", "tsdb"];
  if (isObj(tsdb.chunk_encoding) && tsdb.chunk_encoding.floats !== undefined) {
    const floats = scalar(tsdb.chunk_encoding.floats) ?? "";
    if (!["", "xor", "xor2"].includes(floats)) {
      ctx.error(
        "config/tsdb",
        `'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got ${JSON.stringify(floats)}`,
        [...path, "chunk_encoding", "floats"],
      );
    }
  }
  const retention = tsdb.retention;
  if (isObj(retention)) {
    if (retention.size !== undefined) {
      const size = parseBase2Bytes(scalar(retention.size) ?? "");
      if (typeof size === "string") ctx.error("config/tsdb", size, [...path, "retention", "size"]);
      else if (size < 0)
        ctx.error("config/tsdb", `'storage.tsdb.retention.size' must be greater than or equal to 0, got ${String(retention.size)}`, [
          ...path,
          "retention",
          "size",
        ]);
    }
    if (typeof retention.percentage === "number" && (retention.percentage < 0 || retention.percentage > 100)) {
      ctx.error("config/tsdb", `'storage.tsdb.retention.percentage' must be in the range [0, 100], got ${retention.percentage}`, [
        ...path,
        "retention",
        "percentage",
      ]);
    }
  }
}
