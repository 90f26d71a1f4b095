/**
 * `--env-file` syntax, read the same on every Node version (Node's own parseEnv changed between releases and passes
 * over what it cannot read: a line without `=` silently became part of the next name). Every line is one of:
 *
 * - empty, or a comment starting with `#`;
 * - `NAME=VALUE` or `export NAME=VALUE`, NAME a variable name (`[A-Za-z_][A-Za-z0-9_]*`), spaces around `=` allowed;
 *   - an unquoted VALUE is the rest of the line, trimmed; ` #` (a `#` after a space) starts a comment;
 *   - `'…'` (or `` `…` ``) is literal; `"…"` understands `\n`, `\r`, `\t`, `\"` and `\\` (as `promplate compose`
 *     writes them; other backslashes stay). Quoted values may span lines; after the closing quote only a comment.
 *   - `$` is never expanded.
 *
 * Anything else is an error naming the line. Messages never show the line: it may hold a secret.
 */

export interface EnvFileLineError {
  line: number;
  message: string;
}

export type ParsedEnvFile = { values: Record<string, string> } | { errors: EnvFileLineError[] };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

export function parseEnvFile(text: string): ParsedEnvFile {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const values: Record<string, string> = {};
  const errors: EnvFileLineError[] = [];
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = lines[index]!;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const equals = line.indexOf("=");
    if (equals === -1) {
      errors.push({ line: lineNumber, message: "the line has no `=`: write NAME=VALUE, or start a comment with #" });
      continue;
    }
    const name = line
      .slice(0, equals)
      .trim()
      .replace(/^export\s+/, "");
    if (!NAME.test(name)) {
      errors.push({ line: lineNumber, message: "the name before `=` is not a variable name (letters, digits and _, not starting with a digit)" });
      continue;
    }
    let rest = line.slice(equals + 1).replace(/^\s+/, "");
    const quote = rest[0];
    if (quote !== "'" && quote !== '"' && quote !== "`") {
      values[name] = rest.replace(/(^|\s)#.*$/, "").trim();
      continue;
    }
    // A quoted value: find the closing quote, on this line or a later one.
    let value = "";
    let closed = false;
    let endLine = index;
    rest = rest.slice(1);
    for (;;) {
      let i = 0;
      while (i < rest.length) {
        const c = rest[i]!;
        if (c === quote) {
          closed = true;
          break;
        }
        if (quote === '"' && c === "\\" && i + 1 < rest.length) {
          const escaped = DOUBLE_QUOTED_ESCAPES[rest[i + 1]!];
          value += escaped ?? c + rest[i + 1];
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      if (closed) {
        rest = rest.slice(i + 1);
        break;
      }
      if (endLine + 1 >= lines.length) break;
      value += "\n";
      rest = lines[++endLine]!;
    }
    if (!closed) {
      errors.push({ line: lineNumber, message: `the value's opening ${quote} is never closed` });
      break; // the rest of the file is inside the quotes: nothing more to read
    }
    if (rest.trim() !== "" && !/^\s+#/.test(rest)) {
      errors.push({ line: endLine + 1, message: `text follows the value's closing ${quote}: quote the whole value, or start a comment with " #"` });
    } else {
      values[name] = value;
    }
    index = endLine;
  }
  return errors.length > 0 ? { errors } : { values };
}
