// Translates one of the JSON Schemas in schemas/ into TypeScript types: the type a value has once its validator
// accepted it. The schemas use a small part of JSON Schema (type, properties, required, additionalProperties, items,
// enum, $ref to $defs), so this is a short converter rather than a dependency. A keyword it does not translate is
// refused, so that a schema using oneOf (say) fails `npm run generate` instead of producing a type that lies.

/** Keywords that narrow what a value may be but have no TypeScript counterpart: the type stays wider. */
const CONSTRAINTS = new Set(["pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "minProperties", "format", "propertyNames"]);
/** Keywords that say nothing about the value. */
const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "examples", "default"]);
const TRANSLATED = new Set(["type", "properties", "required", "additionalProperties", "items", "enum", "$ref"]);

const PRIMITIVES = { string: "string", number: "number", integer: "number", boolean: "boolean", null: "null" };

/**
 * `export type` declarations for `schema`, named `rootName`, and one per `$defs` entry, named `rootName` followed by
 * the entry's name in PascalCase (`#/$defs/scrape_config` in PrometheusConfig is PrometheusConfigScrapeConfig).
 */
export function schemaTypes(schema, rootName, schemaFile) {
  const defs = schema.$defs ?? {};
  const defNames = new Map();
  for (const key of Object.keys(defs)) {
    const name = rootName + pascalCase(key);
    if ([...defNames.values(), rootName].includes(name)) throw new Error(`${schemaFile}: #/$defs/${key} would be named ${name} twice`);
    defNames.set(key, name);
  }
  const fail = (where, what) => {
    throw new Error(`${schemaFile}: ${where} ${what}; extend scripts/schema-types.mjs to translate it`);
  };

  /** The members of the union that `node` allows. */
  const members = (node, where, indent) => {
    if (node === true) return ["unknown"];
    if (node === false) return ["never"];
    for (const keyword of Object.keys(node)) {
      if (!TRANSLATED.has(keyword) && !CONSTRAINTS.has(keyword) && !ANNOTATIONS.has(keyword) && !(keyword === "$defs" && where === "#")) {
        fail(where, `uses "${keyword}"`);
      }
    }
    if (node.propertyNames && Object.keys(node.propertyNames).some((keyword) => keyword !== "pattern"))
      fail(where, "restricts property names beyond a pattern");
    const types = node.type === undefined ? undefined : [node.type].flat();
    if (node.$ref !== undefined) {
      const name = /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1];
      if (name === undefined || !defNames.has(name)) fail(where, `refers to ${node.$ref}, not to an entry of $defs`);
      if (Object.keys(node).some((keyword) => TRANSLATED.has(keyword) && keyword !== "$ref")) fail(where, "combines $ref with other keywords");
      return [defNames.get(name)];
    }
    if (node.enum !== undefined) {
      if (node.enum.some((value) => value !== null && typeof value === "object")) fail(where, "lists an object or array in enum");
      const allowed = types === undefined ? node.enum : node.enum.filter((value) => types.some((type) => hasType(value, type)));
      return allowed.length === 0 ? ["never"] : allowed.map((value) => JSON.stringify(value));
    }
    if (types === undefined) {
      if (["properties", "required", "additionalProperties", "items"].some((keyword) => keyword in node))
        fail(where, "describes an object or array without saying its type");
      return ["unknown"];
    }
    const result = [];
    for (const type of types) {
      const text =
        type === "object"
          ? objectType(node, where, indent)
          : type === "array"
            ? arrayType(node, where, indent)
            : (PRIMITIVES[type] ?? fail(where, `has type ${type}`));
      if (!result.includes(text)) result.push(text);
    }
    return result;
  };
  const typeOf = (node, where, indent) => members(node, where, indent).join(" | ");

  const arrayType = (node, where, indent) => {
    if (node.items === undefined) return "unknown[]";
    const items = members(node.items, `${where}/items`, indent);
    return items.length === 1 ? `${items[0]}[]` : `(${items.join(" | ")})[]`;
  };

  const objectType = (node, where, indent) => {
    const inner = `${indent}  `;
    const properties = node.properties ?? {};
    const required = node.required ?? [];
    for (const name of required) if (!(name in properties)) fail(where, `requires ${name} without declaring it in properties`);
    const lines = [];
    for (const [name, property] of Object.entries(properties)) {
      lines.push(...docLines(property.description, inner));
      const optional = required.includes(name) ? "" : "?";
      lines.push(`${inner}${propertyKey(name)}${optional}: ${typeOf(property, `${where}/properties/${name}`, inner)};`);
    }
    const extra = node.additionalProperties ?? true;
    if (extra !== false) {
      // An index signature must admit every declared property's type; no schema here mixes the two yet.
      if (extra !== true && lines.length > 0) fail(where, "mixes properties with an additionalProperties schema");
      lines.push(`${inner}[key: string]: ${typeOf(extra, `${where}/additionalProperties`, inner)};`);
    }
    if (lines.length === 0) return "Record<string, never>";
    return `{\n${lines.join("\n")}\n${indent}}`;
  };

  const declarations = [];
  const rootDoc = [schema.title, schema.description].filter(Boolean).join(": ");
  declarations.push([...docLines(rootDoc, ""), `export type ${rootName} = ${typeOf(schema, "#", "")};`].join("\n"));
  for (const [key, def] of Object.entries(defs)) {
    declarations.push([...docLines(def.description, ""), `export type ${defNames.get(key)} = ${typeOf(def, `#/$defs/${key}`, "")};`].join("\n"));
  }
  return declarations.join("\n\n");
}

function hasType(value, type) {
  if (type === "null") return value === null;
  if (type === "integer") return Number.isInteger(value);
  return typeof value === type;
}

function pascalCase(name) {
  return name.replace(/(^|[_-])([a-zA-Z0-9])/g, (_, __, letter) => letter.toUpperCase());
}

function propertyKey(name) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function docLines(text, indent) {
  if (!text) return [];
  const safe = text.replaceAll("*/", "*\\/");
  const lines = safe.split("\n");
  if (lines.length === 1) return [`${indent}/** ${safe} */`];
  return [`${indent}/**`, ...lines.map((line) => `${indent} * ${line}`.trimEnd()), `${indent} */`];
}
