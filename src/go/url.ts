/**
 * The parts of Go's net/url and net packages the config checkers need: the errors url.Parse reports for config URLs,
 * the scheme and host of a URL, and net.SplitHostPort. Messages are Go's; callers add their component's words.
 */

/** The error Go's url.Parse reports for this text (without Go's `parse "…": ` prefix), or undefined. */
export function urlProblem(text: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(text)) return "net/url: invalid control character in URL";
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text);
  if (!schemeMatch) {
    const firstColon = text.indexOf(":");
    const firstOther = text.search(/[^a-zA-Z0-9+.-]/);
    if (firstColon === 0) return "missing protocol scheme";
    const beforeSlash = text.split("/")[0]!;
    if (beforeSlash.includes(":") && (firstOther === -1 || firstOther >= firstColon || /^[0-9+.-]/.test(text))) {
      return "first path segment in URL cannot contain colon";
    }
  }
  if (/%(?![0-9a-fA-F]{2})/.test(text.split("#")[0]!)) return "invalid URL escape";
  return portProblem(splitUrl(text).host);
}

/** The scheme (lower case) and host (with its port, without user info) of a URL; empty strings when absent. */
export function splitUrl(text: string): { scheme: string; host: string } {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(text);
  if (!match) return { scheme: "", host: "" };
  const rest = match[2]!;
  if (!rest.startsWith("//")) return { scheme: match[1]!.toLowerCase(), host: "" };
  const authority = rest.slice(2).split(/[/?#]/)[0]!;
  const host = authority.includes("@") ? authority.slice(authority.lastIndexOf("@") + 1) : authority;
  return { scheme: match[1]!.toLowerCase(), host };
}

/** url.Parse's error for a port that is not a number, e.g. `invalid port ":x" after host`. */
export function portProblem(host: string): string | undefined {
  const port = /^(\[[^\]]*\]|[^:]*)(:(.*))?$/.exec(host);
  if (port && port[3] !== undefined && !/^[0-9]*$/.test(port[3])) return `invalid port ${JSON.stringify(":" + port[3])} after host`;
  return undefined;
}

/** The host without its port (`[::1]` stays bracketed). */
export function hostName(host: string): string {
  return /^(\[[^\]]*\]|[^:]*)/.exec(host)![1]!;
}

/** Go's net.SplitHostPort, with a port required: the error, or undefined. */
export function hostPortProblem(value: string): string | undefined {
  let host: string, port: string;
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end < 0) return `address ${value}: missing ']' in address`;
    const after = value.slice(end + 1);
    if (after === "" || after[0] !== ":") return `address ${value}: missing port in address`;
    if (after.slice(1).includes(":")) return `address ${value}: too many colons in address`;
    host = value.slice(1, end);
    port = after.slice(1);
  } else {
    const colon = value.lastIndexOf(":");
    if (colon < 0) return `address ${value}: missing port in address`;
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
    if (host.includes(":")) return `address ${value}: too many colons in address`;
  }
  if (/[[\]]/.test(host)) return `address ${value}: unexpected '[' in address`;
  if (port === "") return `address ${JSON.stringify(value)}: port cannot be empty`;
  return undefined;
}
