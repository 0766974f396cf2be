// The type declarations: Tests/client/typed/ compiles with tsc (strict, with lines that must
// not compile marked @ts-expect-error) and the compiled program runs against client.js.
// run.sh compiles it first and passes the results in the environment.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const { execFileSync } = require("node:child_process");

const statusFile = process.env.CLIENT_TSC_STATUS;

test("client.d.ts: the typed program compiles with tsc", { skip: !statusFile && "run through Tests/client/run.sh" }, () => {
  const status = fs.readFileSync(statusFile, "utf8").trim();
  const log = fs.readFileSync(process.env.CLIENT_TSC_LOG, "utf8");
  assert.equal(status, "0", "tsc failed:\n" + log);
});

test("client.d.ts: the typed program runs against client.js", { skip: !statusFile && "run through Tests/client/run.sh" }, () => {
  assert.ok(fs.existsSync(process.env.CLIENT_TYPED_JS), "no compiled program (tsc failed?)");
  const output = execFileSync(process.execPath, [process.env.CLIENT_TYPED_JS], { encoding: "utf8", timeout: 20000 });
  assert.match(output, /typed usage: \d+ checks passed/);
});
