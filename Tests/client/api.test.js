// The documented API against the code: the README's option and event tables, client.d.ts and
// what client.js really reads, emits and defines; and client.js's size as the README states it.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");
const { io, ROOT, CLIENT } = require("./load.js");

const source = fs.readFileSync(CLIENT, "utf8");
const declarations = fs.readFileSync(path.join(ROOT, "Public", "client.d.ts"), "utf8");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The README's browser client section (up to the next level-2 heading). */
function clientSection() {
  const start = readme.indexOf("## The browser client");
  assert.ok(start >= 0, "README has a browser client section");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Rows of the markdown table that follows `heading` in the client section. */
function tableAfter(heading) {
  const section = clientSection();
  const at = section.indexOf(heading);
  assert.ok(at >= 0, "README client section has " + heading);
  const rows = [];
  let started = false;
  for (const line of section.slice(at).split("\n").slice(1)) {
    if (line.startsWith("|")) { started = true; rows.push(line.split("|").slice(1, -1).map((c) => c.trim())); }
    else if (started) break;
  }
  return rows.slice(2); // header and separator
}

/** Names in backticks, in order. */
const codes = (text) => Array.from(text.matchAll(/`([^`]+)`/g), (m) => m[1]);

/** The body of `declare class Name` / `interface Name` in client.d.ts. */
function declaration(kind, name) {
  const re = new RegExp("(?:export )?(?:declare )?" + kind + " " + name + "\\b[^{]*\\{", "m");
  const match = re.exec(declarations);
  assert.ok(match, "client.d.ts declares " + kind + " " + name);
  let depth = 1;
  let i = match.index + match[0].length;
  const start = i;
  while (depth > 0 && i < declarations.length) {
    if (declarations[i] === "{") depth++;
    else if (declarations[i] === "}") depth--;
    i++;
  }
  return declarations.slice(start, i - 1);
}

/** Member names declared at the top level of a class or interface body. */
function members(body) {
  const names = new Set();
  let depth = 0;
  for (const line of body.split("\n")) {
    if (depth === 0) {
      const match = /^\s+(?:readonly\s+|static\s+)?(?:get\s+)?([A-Za-z_$][\w$]*|"[^"]+")\??\s*[<(:]/.exec(line);
      if (match) names.add(match[1].replace(/"/g, ""));
    }
    for (const c of line) { if (c === "{" || c === "(") depth++; else if (c === "}" || c === ")") depth--; }
  }
  names.delete("constructor");
  return names;
}

/** Public (not underscored) methods and accessors along a prototype chain. */
function runtimeMembers(prototype) {
  const names = new Set();
  for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== "constructor" && !name.startsWith("_")) names.add(name);
    }
  }
  return names;
}

// Options client.js reads from objects that are not the user's options.
const INTERNAL_OPTION_READS = new Set(["min", "max", "jitter", "queryString"]);

test("every option client.js reads is declared and documented, and nothing else is", () => {
  const read = new Set(Array.from(source.matchAll(/\b_?opts\.([A-Za-z]+)/g), (m) => m[1])
    .filter((name) => !INTERNAL_OPTION_READS.has(name)));
  const declared = new Set([...members(declaration("interface", "ManagerOptions")), ...members(declaration("interface", "SocketOptions"))]);
  const documented = new Set(tableAfter("Options (").map((row) => codes(row[0])[0]));
  assert.deepEqual([...declared].sort(), [...read].sort(), "client.d.ts options vs the options client.js reads");
  assert.deepEqual([...documented].sort(), [...read].sort(), "README options vs the options client.js reads");
});

test("every event client.js emits is declared and documented", () => {
  const emitted = new Set(Array.from(source.matchAll(/_emitReserved\("([a-z_A-Z]+)"/g), (m) => m[1]));
  emitted.delete("decoded"); // the decoder's, inside the manager
  const declared = new Set([
    ...members(declaration("interface", "EngineEvents")),
    ...members(declaration("interface", "ManagerEvents")),
    ...members(declaration("interface", "SocketReservedEvents")),
  ]);
  const documented = new Set(tableAfter("Events:").flatMap((row) => codes(row[1])));
  assert.deepEqual([...declared].sort(), [...emitted].sort(), "client.d.ts events vs what client.js emits");
  assert.deepEqual([...documented].sort(), [...emitted].sort(), "README events vs what client.js emits");
});

test("Socket and Manager: every public method is declared, every declared member exists", () => {
  const manager = new io.Manager("http://127.0.0.1:9", { autoConnect: false });
  const socket = manager.socket("/");
  for (const [name, instance, body] of [
    ["Socket", socket, declaration("class", "Socket")],
    ["Manager", manager, declaration("class", "Manager") + declaration("class", "Emitter")],
  ]) {
    const declared = members(body);
    for (const member of runtimeMembers(Object.getPrototypeOf(instance))) {
      assert.ok(declared.has(member), name + "." + member + " is not in client.d.ts");
    }
    for (const member of declared) {
      assert.ok(member in instance, name + "." + member + " is declared but client.js has no such member");
    }
  }
  socket.disconnect();
});

test("io's own properties are declared", () => {
  const declared = members(declaration("interface", "Io"));
  assert.deepEqual(Object.keys(io).sort(), [...declared].sort());
});

test("transport names in client.d.ts are client.js's", () => {
  const names = (alias) => codes(/export type \w+ = ([^;]+);/.exec(declarations.slice(declarations.indexOf(alias)))[1].replace(/"/g, "`"));
  assert.deepEqual(names("export type TransportName"), io.transports);
  assert.deepEqual(names("export type TransportAlias").sort(), Object.keys(io.transportAliases).sort());
});

test("client.js's size and gzip size are as the README says (within 2%)", () => {
  const bytes = fs.readFileSync(CLIENT);
  const gzip = zlib.gzipSync(bytes, { level: 9 }).length;
  const line = /client\.js is ([\d,]+) bytes, ([\d,]+) gzipped/.exec(clientSection());
  assert.ok(line, "the README states client.js's size as 'client.js is N bytes, N gzipped'");
  const [stated, statedGzip] = [line[1], line[2]].map((n) => Number(n.replace(/,/g, "")));
  const message = `measured ${bytes.length.toLocaleString("en-US")} bytes, ${gzip.toLocaleString("en-US")} gzipped`;
  assert.ok(Math.abs(stated - bytes.length) <= 0.02 * bytes.length, message);
  assert.ok(Math.abs(statedGzip - gzip) <= 0.02 * gzip, message);
  console.log("client.js: " + message);
});

test("client.js stays readable: comments and line structure, not a minified build", () => {
  const lines = source.split("\n");
  assert.ok(lines.length > 1000);
  assert.ok(lines.every((l) => l.length <= 140), "a line over 140 characters");
  assert.ok(lines.filter((l) => /^\s*(\/\/|\/\*\*|\*)/.test(l)).length > 100, "few comments");
});
