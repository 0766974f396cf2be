// Loads Public/client.js once into this Node process (it is a classic script that defines
// globalThis.io) and hands out the client and its pure internals.
"use strict";
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const CLIENT = path.join(ROOT, "Public", "client.js");

require(CLIENT);
const io = globalThis.io;

module.exports = { io, internals: io.__internals, ROOT, CLIENT };
