/** Sizes as alecthomas/units.ParseBase2Bytes reads them (Prometheus' `body_size_limit`, `retention.size`). */

const BYTE_UNITS: Record<string, number> = { B: 1 };
["K", "M", "G", "T", "P", "E"].forEach((prefix, index) => {
  BYTE_UNITS[`${prefix}B`] = 1024 ** (index + 1);
  BYTE_UNITS[`${prefix}iB`] = 1024 ** (index + 1);
});

/** Bytes of a size (`512MB`, `1GiB`, `0`), or the message units gives when it is not one. */
export function parseBase2Bytes(text: string): number | string {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest[0] === "-" ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return `units: invalid ${text}`;
  let total = 0;
  while (rest !== "") {
    const number = /^([0-9]*(\.[0-9]*)?)/.exec(rest)![1]!;
    if (number === "" || number === ".") return `units: invalid ${text}`;
    rest = rest.slice(number.length);
    const unit = /^[^0-9.]*/.exec(rest)![0];
    rest = rest.slice(unit.length);
    const size = BYTE_UNITS[unit];
    if (size === undefined) return `units: unknown unit ${unit} in ${text}`;
    total += Number(number) * size;
  }
  return sign * total;
}
