/**
 * x-aws and x-source values from AWS. (Placeholder until the AWS credential chain lands: every such variable
 * falls through to its default, as if no cloud source were configured.)
 */
import type { VariableDeclaration } from "./project.js";
import type { CloudValue } from "./variables.js";

export interface CloudOptions {
  env: Readonly<Record<string, string | undefined>>;
  profile?: string;
}

export async function resolveCloudValues(declarations: VariableDeclaration[], options: CloudOptions): Promise<Map<string, CloudValue>> {
  void declarations;
  void options;
  return new Map();
}
