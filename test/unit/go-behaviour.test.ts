// Go and Prometheus library behaviour the checkers share (src/go/): durations, sizes, URLs, header names, quoting.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodedDuration, formatDuration, parseDuration } from "../../src/go/duration.js";
import { canonicalHeaderKey, COMMON_RESERVED_HEADERS, PROMETHEUS_RESERVED_HEADERS } from "../../src/go/headers.js";
import { unquote } from "../../src/go/strconv.js";
import { parseBase2Bytes } from "../../src/go/units.js";
import { hostPortProblem, splitUrl, urlProblem } from "../../src/go/url.js";

test("durations: model.ParseDuration and Duration.String", () => {
  const cases: [string, number | undefined][] = [
    ["0", 0],
    ["0s", 0],
    ["1ms", 1],
    ["90s", 90_000],
    ["1h30m", 5_400_000],
    ["1y2w3d4h5m6s7ms", 33_019_506_007],
    ["", undefined],
    ["90", undefined],
    ["1m1h", undefined],
    ["1h1h", undefined],
    ["00", undefined],
    ["1.5h", undefined],
    ["-1m", undefined],
    ["5x", undefined],
    ["1h ", undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  assert.equal(decodedDuration(0), 0);
  assert.equal(decodedDuration(30), undefined, "a bare number other than 0 is not a duration");
  assert.equal(decodedDuration("2m"), 120_000);
  for (const [ms, text] of [
    [0, "0s"],
    [1, "1ms"],
    [5_400_000, "1h30m"],
    [31_536_001_000, "1y1s"],
  ] as const)
    assert.equal(formatDuration(ms), text);
});

test("header names: textproto.CanonicalMIMEHeaderKey and the reserved lists", () => {
  const cases: [string, string][] = [
    ["x-amz-date", "X-Amz-Date"],
    ["WWW-AUTHENTICATE", "Www-Authenticate"],
    ["content-type", "Content-Type"],
    ["x_foo-bar", "X_foo-Bar"],
    ["a--b", "A--B"],
    ["x-1a", "X-1a"],
    ["user agent", "user agent"],
    ["X-Amz-Security-To\u212Aen", "X-Amz-Security-To\u212Aen"],
  ];
  for (const [name, canonical] of cases) assert.equal(canonicalHeaderKey(name), canonical, name);
  assert.ok(COMMON_RESERVED_HEADERS.has(canonicalHeaderKey("x-prometheus-scrape-timeout-seconds")));
  assert.ok(!COMMON_RESERVED_HEADERS.has(canonicalHeaderKey("X-Amz-Security-To\u212Aen")), "a name Go leaves alone is not reserved");
  assert.ok(PROMETHEUS_RESERVED_HEADERS.has("x-amz-date") && !PROMETHEUS_RESERVED_HEADERS.has("authorization"));
});

test("URLs: url.Parse's errors, scheme and host; net.SplitHostPort", () => {
  const cases: [string, string | undefined][] = [
    ["http://a", undefined],
    ["https://u:p@h:80/x?q#f", undefined],
    ["http://[::1]:80", undefined],
    ["mailto:x", undefined],
    [":x", "missing protocol scheme"],
    ["a:b", undefined],
    ["a/b:c", undefined],
    ["1a:b/c", "first path segment in URL cannot contain colon"],
    ["http://a:x", 'invalid port ":x" after host'],
    ["http://%zz", "invalid URL escape"],
    ["\u0001http://a", "net/url: invalid control character in URL"],
  ];
  for (const [text, problem] of cases) assert.equal(urlProblem(text), problem, text);
  assert.deepEqual(splitUrl("HTTPS://user@Host:1/p"), { scheme: "https", host: "Host:1" });
  assert.deepEqual(splitUrl("mailto:x"), { scheme: "mailto", host: "" });
  assert.equal(hostPortProblem("smtp:25"), undefined);
  assert.equal(hostPortProblem("[::1]:25"), undefined);
  assert.equal(hostPortProblem("smtp"), "address smtp: missing port in address");
  assert.equal(hostPortProblem("a:b:25"), "address a:b:25: too many colons in address");
  assert.equal(hostPortProblem("smtp:"), 'address "smtp:": port cannot be empty');
});

test("sizes and quoted strings: units.ParseBase2Bytes, strconv.Unquote", () => {
  assert.equal(parseBase2Bytes("1KB"), 1024);
  assert.equal(parseBase2Bytes("1.5GiB"), 1.5 * 2 ** 30);
  assert.equal(parseBase2Bytes("-1B"), -1);
  assert.equal(parseBase2Bytes("0"), 0);
  assert.equal(parseBase2Bytes("x"), "units: invalid x");
  assert.equal(parseBase2Bytes("1XB"), "units: unknown unit XB in 1XB");
  assert.equal(unquote('"a\\nb\\x41\\u00e9"'), "a\nbAé");
  assert.equal(unquote('"\\q"'), undefined);
  assert.equal(unquote('"a"b"'), undefined);
});
