/** What the section checks of one Prometheus configuration share: its options, the global defaults, the findings. */
import type { CheckOptions, Finding } from "../types.js";

export type Path = (string | number)[];
export type Obj = Record<string, unknown>;
/** Metric and label name validation: `utf8` (Prometheus 3's default) or `legacy`. */
export type Scheme = "utf8" | "legacy";

/** An included scrape config file (`scrape_config_files`), as the caller found it for a glob. */
export interface IncludedScrapeConfigFile {
  /** Its name, for messages. */
  file: string;
  /** Its parsed content, or why it could not be read or parsed. */
  data?: unknown;
  error?: string;
}

export interface PrometheusCheckOptions extends CheckOptions {
  /**
   * Resolves one `scrape_config_files` glob to the files it matches (relative globs against the config's directory).
   * Without it the included files are not read, as with `promtool check config` before `GetScrapeConfigs`.
   */
  scrapeConfigFiles?: (glob: string) => IncludedScrapeConfigFile[];
}

/** The `global` section's values that scrape configs inherit. */
export interface GlobalDefaults {
  /** From `global.metric_name_validation_scheme`. */
  scheme: Scheme;
  /** Milliseconds. */
  interval: number;
  timeout: number;
  protocolsSet: boolean;
  escaping: string;
}

export class PrometheusContext {
  readonly global: GlobalDefaults = { scheme: "utf8", interval: 60_000, timeout: 10_000, protocolsSet: false, escaping: "" };

  constructor(
    readonly findings: Finding[],
    readonly options: PrometheusCheckOptions,
  ) {}

  error(id: string, message: string, path: Path, atKey = false): void {
    this.findings.push({ id, severity: "error", message, path, ...(atKey ? { atKey } : {}) });
  }

  warn(id: string, message: string, path: Path): void {
    this.findings.push({ id, severity: "warning", message, path });
  }
}
