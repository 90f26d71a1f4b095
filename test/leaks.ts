/**
 * How a secret could show in printed text, computed independently of src/redact.ts so the tests check it rather
 * than repeat it: as is, Go-quoted (strconv.Quote, as promtool and amtool print values), JSON-escaped (once, or
 * around Go quoting), YAML single-quoted, URL- and form-encoded, base64, and any run of 6 characters.
 */

/** Go's strconv.Quote without the outer quotes. */
export function goQuoteInner(value: string): string {
  let out = "";
  for (const char of value) {
    const code = char.codePointAt(0)!;
    const named: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" };
    if (char === '"' || char === "\\") out += `\\${char}`;
    else if (char === " " || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(char)) out += char;
    else if (named[code]) out += named[code];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return out;
}

const jsonInner = (value: string) => JSON.stringify(value).slice(1, -1);

/** Whole-value forms a leak could take. */
export function encodedForms(secret: string): { name: string; text: string }[] {
  const base64 = Buffer.from(secret).toString("base64");
  return [
    { name: "raw", text: secret },
    { name: "Go-quoted", text: goQuoteInner(secret) },
    { name: "JSON-escaped", text: jsonInner(secret) },
    { name: "JSON of Go-quoted", text: jsonInner(goQuoteInner(secret)) },
    { name: "JSON of JSON", text: jsonInner(jsonInner(secret)) },
    { name: "YAML single-quoted", text: secret.replace(/'/g, "''") },
    { name: "URL-encoded", text: encodeURIComponent(secret) },
    { name: "form-encoded", text: new URLSearchParams({ v: secret }).toString().slice(2) },
    { name: "base64", text: base64.replace(/=+$/, "") },
    { name: "base64url", text: base64.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_") },
    // Inside a longer base64 text (`user:password`), at each byte alignment: the characters only the value decides.
    ...[1, 2].map((shift) => {
      const encoded = Buffer.concat([Buffer.alloc(shift), Buffer.from(secret)]).toString("base64");
      return { name: `base64 at offset ${shift}`, text: encoded.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + Buffer.byteLength(secret)) * 8) / 6)) };
    }),
  ].filter((form) => form.text.length >= 4);
}

/** The first leak of any secret in `text` (a whole form, or a run of `fragment` characters of the raw, Go-quoted or
 * JSON-escaped value), described without the value; undefined when there is none. */
export function findLeak(text: string, secrets: readonly string[], fragment = 6): string | undefined {
  for (const [index, secret] of secrets.entries()) {
    for (const form of encodedForms(secret)) if (text.includes(form.text)) return `secret #${index + 1} ${form.name}`;
    for (const form of [secret, goQuoteInner(secret), jsonInner(secret)]) {
      for (let i = 0; i + fragment <= form.length; i++) {
        const run = form.slice(i, i + fragment);
        const at = text.indexOf(run);
        if (at !== -1)
          return `secret #${index + 1}: a ${fragment}-character run at offset ${at}: …${JSON.stringify(text.slice(Math.max(0, at - 30), at))}[run]…`;
      }
    }
  }
  return undefined;
}
