/* phieu: the staff editor saves each file in the canonical layout of `phieu fmt`, comments kept.

   Sveltia CMS reads a data file itself and hands this script the form's values when it saves; this
   script writes them as generator/staff/fmt.py does: keys in model order, no value equal to its default,
   strings plain only where every YAML reader reads them back the same, the schema line first, and the
   comments of the published file back beside their keys. phieu.json (written by the build) holds the
   JSON Schemas, the schema lines, the comments and the quoting rules of fmt.py. The tests run this file
   under Node and compare its output with fmt.py's, file by file. */
(function (root) {
  "use strict";

  /** A date or time, written unquoted. */
  class Plain {
    constructor(text) {
      this.text = text;
    }
  }

  const key = (path) => JSON.stringify(path);

  function createWriter(meta) {
    const words = new RegExp(meta.words, "i");
    const numberOrDate = new RegExp(meta.numberOrDate, "i");
    const invisible = new RegExp(meta.invisible, "u");
    const invisibleAll = new RegExp(meta.invisible, "gu");
    const quotedKeys = new Set(meta.quotedKeys);
    const pad = (n) => " ".repeat(n);

    // --- the values a record writes (fmt.canonical_data) -------------------------------------------

    function effective(schema, defs) {
      let optional = false;
      let target = schema;
      if (target.anyOf && target.anyOf.some((branch) => branch.type === "null")) {
        optional = true; // written `X | None` in the model
        target = target.anyOf.find((branch) => branch.type !== "null");
      }
      while (target && target.$ref) target = defs[target.$ref.split("/").pop()];
      return { target, optional };
    }

    const isEmptyObject = (value) =>
      value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Plain)
        && Object.keys(value).length === 0;

    function equal(a, b) {
      if (a instanceof Plain) a = a.text;
      if (b instanceof Plain) b = b.text;
      if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
      }
      if (a && b && typeof a === "object" && typeof b === "object") {
        const ka = Object.keys(a);
        return ka.length === Object.keys(b).length && ka.every((k) => equal(a[k], b[k]));
      }
      return a === b;
    }

    /** ``value`` as the model would dump it; undefined when there is nothing to write. */
    function canon(value, schema, defs) {
      const { target } = effective(schema, defs);
      if (value === undefined || value === null || !target) return undefined;
      if (value === "" && target.type !== "string") return undefined; // left empty
      if (target.properties) return canonObject(value, target, defs);
      if (target.type === "array" && Array.isArray(value)) {
        return value.map((item) => canon(item, target.items, defs)).filter((item) => item !== undefined);
      }
      if (target.type === "integer" || target.type === "number") {
        return typeof value === "string" && /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : value;
      }
      if (target.type === "boolean") return value;
      if (typeof value === "string" || target.type === "string") {
        const text = String(value).trim().normalize("NFC");
        if (text === "") return undefined;
        return target.format === "date" || target.format === "date-time" ? new Plain(text) : text;
      }
      return value;
    }

    function canonObject(value, schema, defs) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
      const out = {};
      for (const [name, prop] of Object.entries(schema.properties)) {
        let item = canon(value[name], prop, defs);
        if (item === undefined) continue;
        if ("default" in prop && equal(item, canon(prop.default, prop, defs) ?? null)) continue;
        if (isEmptyObject(item) && effective(prop, defs).optional) continue; // a section left empty
        // A list that may be absent and is empty (no office's procedure chosen): absent, which means "all".
        if (Array.isArray(item) && item.length === 0 && effective(prop, defs).optional) continue;
        if (name === meta.emptyFeeKey && isEmptyObject(item)) item = { amount: null };
        out[name] = item;
      }
      for (const [name, item] of Object.entries(value)) {
        if (!(name in schema.properties) && item !== undefined) out[name] = item; // the check names it
      }
      return out;
    }

    function canonical(content, kind) {
      const schema = meta.schemas[kind];
      return canonObject(content, schema, schema.$defs || {});
    }

    // --- writing (fmt.dump) -------------------------------------------------------------------------

    function plainOk(text) {
      return (
        text !== "" &&
        text === text.trim() &&
        !meta.indicators.includes(text[0]) &&
        !text.includes(": ") &&
        !text.includes(" #") &&
        !text.endsWith(":") &&
        !invisible.test(text) &&
        !words.test(text) &&
        !numberOrDate.test(text)
      );
    }

    function blockOk(text) {
      const lines = text.split("\n");
      return (
        lines.length > 1 &&
        lines[0] !== "" &&
        lines[lines.length - 1] !== "" &&
        lines.every((line) => line === line.trim() && !invisible.test(line))
      );
    }

    function quoted(text) {
      return JSON.stringify(text).replace(
        invisibleAll,
        (c) => "\\u" + c.codePointAt(0).toString(16).padStart(4, "0"),
      );
    }

    function scalar(value, name) {
      if (value === null || value === undefined) return "null";
      if (typeof value === "boolean") return value ? "true" : "false";
      if (typeof value === "number") return String(value);
      if (value instanceof Plain) return value.text;
      if (Array.isArray(value)) return "[]";
      if (typeof value === "object") return "{}";
      const text = String(value);
      return !quotedKeys.has(name) && plainOk(text) ? text : quoted(text);
    }

    const isCollection = (value) =>
      value !== null && typeof value === "object" && !(value instanceof Plain) &&
      (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);

    function paths(value, path, out) {
      if (!isCollection(value)) return out;
      const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
      for (const [k, item] of entries) {
        out.add(key([...path, k]));
        paths(item, [...path, k], out);
      }
      return out;
    }

    function at(data, path) {
      for (const part of path) data = data[part];
      return data;
    }

    function dump(data, schemaRef, comments) {
      const anchors = (comments && comments.anchors) || [];
      const present = paths(data, [], new Set());
      const header = [];
      const end = [];
      const before = new Map();
      const inline = new Map();
      for (const [anchor, isInline, text] of (comments && comments.comments) || []) {
        let index = anchor;
        let keepInline = isInline;
        if (index === meta.header) {
          header.push(text);
          continue;
        }
        while (index !== null && !present.has(key(anchors[index]))) {
          index = index + 1 < anchors.length ? index + 1 : null;
          keepInline = false;
        }
        if (index === null) {
          end.push(text);
          continue;
        }
        const path = anchors[index];
        const isMappingItem =
          typeof path[path.length - 1] === "number" && isCollection(at(data, path)) && !Array.isArray(at(data, path));
        if (keepInline && !inline.has(key(path)) && !isMappingItem) {
          inline.set(key(path), text);
        } else {
          if (!before.has(key(path))) before.set(key(path), []);
          before.get(key(path)).push(text);
        }
      }

      const lines = [];
      const commentsAt = (indent, ...where) => {
        for (const path of where) for (const text of before.get(key(path)) || []) lines.push(pad(indent) + text);
      };
      const tail = (path) => (inline.has(key(path)) ? "  " + inline.get(key(path)) : "");

      function mapping(value, path, indent, skipFirst) {
        Object.entries(value).forEach(([name, item], i) => {
          if (skipFirst && i === 0) return;
          const here = [...path, name];
          commentsAt(indent, here);
          write(item, here, indent, pad(indent) + name + ":", name);
        });
      }

      function write(value, path, indent, head, name) {
        if (isCollection(value) && !Array.isArray(value)) {
          lines.push(head + tail(path));
          mapping(value, path, indent + meta.indent, false);
        } else if (isCollection(value)) {
          lines.push(head + tail(path));
          sequence(value, path, indent + meta.indent);
        } else if (typeof value === "string" && blockOk(value)) {
          lines.push(head + " |-" + tail(path));
          for (const line of value.split("\n")) lines.push(line ? pad(indent + meta.indent) + line : "");
        } else {
          lines.push(head + " " + scalar(value, name || "") + tail(path));
        }
      }

      function sequence(items, path, indent) {
        items.forEach((item, i) => {
          const here = [...path, i];
          if (isCollection(item) && !Array.isArray(item)) {
            const [first, value] = Object.entries(item)[0];
            commentsAt(indent, here, [...here, first]);
            write(value, [...here, first], indent + meta.indent, pad(indent) + "- " + first + ":", first);
            mapping(item, here, indent + meta.indent, true);
          } else {
            commentsAt(indent, here);
            write(item, here, indent, pad(indent) + "-", "");
          }
        });
      }

      mapping(data, [], 0, false);
      const text = [meta.schemaLine + schemaRef, ...header, ...lines, ...end].join("\n") + "\n";
      return text.normalize("NFC");
    }

    /** Which data file the form's values are: a single office's profile, a province's profile, its fee
        table, one of its offices, the field list or a procedure. */
    function kindOf(content) {
      if ("sections" in content) return "form";
      if ("resolution" in content) return "fees";
      if ("publisher" in content) return "province";
      if ("unit" in content) return "site_url" in content ? "office" : "office-profile";
      if (Object.keys(content).every((name) => name === "fields")) return "fields";
      return "procedure";
    }

    /** The id of the office whose file the form holds: the one of that name, else of those former communes. */
    function officeOf(data) {
      const offices = meta.offices || [];
      const named = offices.find(([, name]) => name === data.name);
      const former = data.former || [];
      const merged = former.length > 0 && offices.find(([, , list]) => equal(list, former));
      return (named || merged || [null])[0];
    }

    function commentsOf(kind, data) {
      if (kind === "procedure") return meta.comments[`procedure:${data.code}`];
      if (kind === "form") return meta.comments[`form:${data.id}`];
      if (kind === "office-profile") return meta.comments[`office-profile:${officeOf(data)}`];
      return meta.comments[kind];
    }

    function toFile(content) {
      const kind = kindOf(content);
      const data = canonical(content, kind);
      return dump(data, meta.schemaRefs[kind], commentsOf(kind, data));
    }

    return { canonical, dump, toFile, kindOf };
  }

  if (typeof module === "object" && module.exports) {
    module.exports = { createWriter };
    return;
  }
  // Vietnamese unless the user chose another language in the editor's settings.
  try {
    if (!root.localStorage.getItem("sveltia-cms.prefs")) {
      root.localStorage.setItem("sveltia-cms.prefs", JSON.stringify({ locale: "vi" }));
    }
  } catch (_) {
    // storage refused (private mode): the browser's language decides
  }
  let writer; // fetched at the first save
  const toFile = async (content) => {
    writer ??= root.fetch("phieu.json").then((response) => response.json()).then(createWriter);
    return (await writer).toFile(content);
  };
  root.CMS.registerCustomFormat("yml", "yml", { toFile });
})(typeof window === "object" ? window : globalThis);
