/**
 * Alertmanager's two matcher parsers: pkg/labels' classic one and matcher/parse's UTF-8 one. Alertmanager's default
 * mode tries the UTF-8 parser and falls back to the classic one, logging a warning.
 */
import { re2Problem } from "../../go/re2.js";
import { unquote as goUnquote } from "../../go/strconv.js";

export interface MatchersResult {
  error?: string;
  /** Only the classic parser accepts it: Alertmanager's default mode logs a warning. */
  classicOnly?: boolean;
}

export function parseMatchers(input: string): MatchersResult {
  const utf8 = parseMatchersUTF8(input);
  const classic = parseMatchersClassic(input);
  if (utf8 === undefined) return {};
  if (classic !== undefined) return { error: classic };
  return { classicOnly: true };
}

const GO_SPACE = "[\\t\\n\\v\\f\\r ]";

const CLASSIC_MATCHER = new RegExp(`^${GO_SPACE}*([a-zA-Z_:][a-zA-Z0-9_:]*)${GO_SPACE}*(=~|=|!=|!~)${GO_SPACE}*([\\s\\S]*?)${GO_SPACE}*$`);

/** labels.ParseMatchers: the error, or undefined when it parses. */
function parseMatchersClassic(input: string): string | undefined {
  let s = input.startsWith("{") ? input.slice(1) : input;
  if (s.endsWith("}")) s = s.slice(0, -1);
  const tokens: string[] = [];
  let token = "",
    insideQuotes = false,
    escaped = false;
  for (const r of s) {
    if (r === "," && !insideQuotes) {
      tokens.push(token);
      token = "";
      continue;
    }
    if (r === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (r === "\\") escaped = !escaped;
    else escaped = false;
    token += r;
  }
  if (token.trim() !== "") tokens.push(token.trim());
  for (const t of tokens) {
    const m = CLASSIC_MATCHER.exec(t);
    if (!m) return `bad matcher format: ${t}`;
    let raw = m[3]!;
    let expectTrailingQuote = false;
    if (raw.startsWith('"')) {
      raw = raw.slice(1);
      expectTrailingQuote = true;
    }
    let value = "",
      esc = false;
    const chars = [...raw];
    for (let i = 0; i < chars.length; i++) {
      const r = chars[i]!;
      if (esc) {
        esc = false;
        value += r === "n" ? "\n" : r === '"' || r === "\\" ? r : `\\${r}`;
        continue;
      }
      if (r === "\\") {
        if (i < chars.length - 1) esc = true;
        else value += "\\";
      } else if (r === '"') {
        if (!expectTrailingQuote || i < chars.length - 1) return `matcher value contains unescaped double quote: ${m[3]}`;
        expectTrailingQuote = false;
      } else value += r;
    }
    if (expectTrailingQuote) return `matcher value contains unescaped double quote: ${m[3]}`;
    if (m[2] === "=~" || m[2] === "!~") {
      const problem = re2Problem(value);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** matcher/parse.Matchers (the UTF-8 parser): the error, or undefined when it parses. */
function parseMatchersUTF8(input: string): string | undefined {
  type Token = { kind: "{" | "}" | "," | "op" | "quoted" | "unquoted"; value: string };
  const tokens: Token[] = [];
  const reserved = (c: string) => /\s/.test(c) || "{}!=~,\\\"'`".includes(c);
  const chars = [...input];
  for (let i = 0; i < chars.length; ) {
    const c = chars[i]!;
    if (c === "{" || c === "}" || c === ",") {
      tokens.push({ kind: c, value: c });
      i++;
    } else if (c === "=" || c === "!") {
      const next = chars[i + 1];
      if (c === "!" && next !== "=" && next !== "~") return `${i}:${i + 1}: unexpected end of input, expected one of '=~'`;
      const op = next === "~" || (c === "!" && next === "=") ? c + next : c;
      tokens.push({ kind: "op", value: op });
      i += op.length;
    } else if (c === '"') {
      let j = i + 1,
        escaped = false,
        closed = false;
      for (; j < chars.length; j++) {
        if (escaped) escaped = false;
        else if (chars[j] === "\\") escaped = true;
        else if (chars[j] === '"') {
          closed = true;
          break;
        }
      }
      if (!closed) return `${i}:${chars.length}: ${chars.slice(i).join("")}: missing end "`;
      tokens.push({ kind: "quoted", value: chars.slice(i, j + 1).join("") });
      i = j + 1;
    } else if (/\s/.test(c)) i++;
    else if (!reserved(c)) {
      let j = i;
      while (j < chars.length && !reserved(chars[j]!)) j++;
      tokens.push({ kind: "unquoted", value: chars.slice(i, j).join("") });
      i = j;
    } else return `${i}:${i + 1}: ${c}: invalid input`;
  }
  const unquote = (t: Token): string | undefined => {
    if (t.kind === "unquoted") return t.value;
    return goUnquote(t.value);
  };
  let p = 0;
  const open = tokens[0]?.kind === "{";
  if (open) p++;
  const expectEnd = (): string | undefined => {
    if (open) {
      if (tokens[p]?.kind !== "}") return "expected close brace";
      p++;
    } else if (tokens[p]?.kind === "}") return "}: expected opening brace";
    if (p < tokens.length) return `${tokens[p]!.value}: expected end of input`;
    return undefined;
  };
  if (p >= tokens.length || tokens[p]!.kind === "}") return expectEnd();
  for (;;) {
    const name = tokens[p];
    if (!name || (name.kind !== "quoted" && name.kind !== "unquoted")) return `unexpected ${name?.value ?? "end of input"}: expected label name`;
    if (unquote(name) === undefined) return `${name.value}: invalid input`;
    const op = tokens[p + 1];
    if (!op || op.kind !== "op") return `unexpected ${op?.value ?? "end of input"}: expected an operator such as '=', '!=', '=~' or '!~'`;
    const val = tokens[p + 2];
    if (!val || (val.kind !== "quoted" && val.kind !== "unquoted")) return `unexpected ${val?.value ?? "end of input"}: expected label value`;
    const value = unquote(val);
    if (value === undefined) return `${val.value}: invalid input`;
    if (op.value === "=~" || op.value === "!~") {
      const problem = re2Problem(value);
      if (problem) return `failed to create matcher: ${problem}`;
    }
    p += 3;
    if (p >= tokens.length || tokens[p]!.kind === "}") return expectEnd();
    if (tokens[p]!.kind !== ",") return `unexpected ${tokens[p]!.value}: expected a comma or close brace`;
    p++;
    if (p >= tokens.length || tokens[p]!.kind === "}") return expectEnd();
  }
}
