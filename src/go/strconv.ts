/** Go's strconv.Unquote for a double-quoted string (Alertmanager's matchers): the value, or undefined when invalid. */
export function unquote(quoted: string): string | undefined {
  const body = quoted.slice(1, -1);
  if (/\n/.test(body)) return undefined;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') return undefined;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"' };
    if (e in simple) out += simple[e];
    else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) (out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16))), (i += 2);
    else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) (out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16))), (i += 4);
    else if (e === "U" && /^[0-9a-fA-F]{8}$/.test(body.slice(i + 1, i + 9))) {
      const code = parseInt(body.slice(i + 1, i + 9), 16);
      if (code > 0x10ffff) return undefined;
      out += String.fromCodePoint(code);
      i += 8;
    } else if (/[0-7]/.test(e) && /^[0-7]{2}$/.test(body.slice(i + 1, i + 3))) (out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8))), (i += 2);
    else return undefined;
  }
  return out;
}
