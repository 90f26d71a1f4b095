/**
 * Parsing a rendered config for checking: js-yaml builds plain data about seven times faster than `yaml`'s document
 * API (0.26 s against 1.9 s for 20,000 rules here), and positions are computed later, only for reported findings.
 */
import jsYaml from "js-yaml";

export type ParsedDocument = { data: unknown } | { error: { message: string; line: number; column: number } };

export function parseDocumentData(text: string): ParsedDocument {
  try {
    // Prometheus and Alertmanager read one YAML document; an empty file is an empty config.
    return { data: jsYaml.load(text, { json: false }) ?? {} };
  } catch (error) {
    const yamlError = error as { reason?: string; message: string; mark?: { line: number; column: number } };
    return {
      error: {
        message: yamlError.reason ?? yamlError.message.split("\n")[0]!,
        line: (yamlError.mark?.line ?? 0) + 1,
        column: (yamlError.mark?.column ?? 0) + 1,
      },
    };
  }
}
