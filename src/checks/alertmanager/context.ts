/** What the section checks of one Alertmanager configuration share: the config, its `global` section, the findings. */
import type { Finding } from "../types.js";
import { asObj, type Obj, type Path } from "./values.js";

export class AlertmanagerContext {
  readonly global: Obj;

  constructor(
    readonly config: Obj,
    readonly findings: Finding[],
  ) {
    this.global = asObj(config.global);
  }

  error(id: string, path: Path, message: string, atKey = false): void {
    this.findings.push({ id, severity: "error", message, path, ...(atKey ? { atKey } : {}) });
  }

  warn(id: string, path: Path, message: string, atKey = false): void {
    this.findings.push({ id, severity: "warning", message, path, ...(atKey ? { atKey } : {}) });
  }
}
