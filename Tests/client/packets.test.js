// Engine.IO and Socket.IO packet encoding and decoding, and binary attachments.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { internals: I } = require("./load.js");

const bytes = (...values) => new Uint8Array(values).buffer;
const asArray = (buffer) => Array.from(new Uint8Array(buffer));

test("engine packets: text form of every type", () => {
  const cases = [
    [{ type: "open", data: '{"sid":"x"}' }, '0{"sid":"x"}'],
    [{ type: "close" }, "1"],
    [{ type: "ping" }, "2"],
    [{ type: "ping", data: "probe" }, "2probe"],
    [{ type: "pong", data: "probe" }, "3probe"],
    [{ type: "message", data: "hello é" }, "4hello é"],
    [{ type: "upgrade" }, "5"],
    [{ type: "noop" }, "6"],
  ];
  for (const [packet, text] of cases) {
    assert.equal(I.encodeTextPacket(packet), text);
    assert.deepEqual(I.decodeTextPacket(text), packet);
  }
});

test("engine packets: binary travels as b + base64 in text and comes back as an ArrayBuffer", () => {
  const text = I.encodeTextPacket({ type: "message", data: bytes(0, 1, 2, 250, 255) });
  assert.equal(text, "bAAEC+v8=");
  const packet = I.decodeTextPacket(text);
  assert.equal(packet.type, "message");
  assert.ok(packet.data instanceof ArrayBuffer);
  assert.deepEqual(asArray(packet.data), [0, 1, 2, 250, 255]);
  // A typed array view encodes only its own bytes.
  const view = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
  assert.equal(I.encodeTextPacket({ type: "message", data: view }), "b" + Buffer.from([8, 7]).toString("base64"));
});

test("engine packets: an unknown type digit decodes as a parser error", () => {
  assert.deepEqual(I.decodeTextPacket("9oops"), { type: "error", data: "parser error" });
  assert.deepEqual(I.decodeTextPacket(""), { type: "error", data: "parser error" });
});

test("packet size counts UTF-8 bytes and base64 growth", () => {
  assert.equal(I.packetSize({ type: "message", data: "abc" }), 4);
  assert.equal(I.packetSize({ type: "message", data: "é" }), 3);
  assert.equal(I.packetSize({ type: "message", data: "😀" }), 5);
  assert.equal(I.packetSize({ type: "ping" }), 1);
  assert.equal(I.packetSize({ type: "message", data: bytes(1, 2, 3, 4) }), 1 + 8);
  for (const text of ["", "ascii", "ü", "€", "😀x", "\u07ff\u0800"]) {
    assert.equal(I.utf8Length(text), Buffer.byteLength(text, "utf8"), JSON.stringify(text));
  }
});

test("base64 round trip, including more than one chunk", () => {
  const big = new Uint8Array(100000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
  const text = I.toBase64(big);
  assert.equal(text, Buffer.from(big).toString("base64"));
  assert.deepEqual(new Uint8Array(I.fromBase64(text)), big);
});

test("socket packets: events, acks, namespaces and ids", () => {
  const cases = [
    [{ type: 0 }, "0"],
    [{ type: 0, data: { token: "t" } }, '0{"token":"t"}'],
    [{ type: 0, nsp: "/admin", data: { token: "t" } }, '0/admin,{"token":"t"}'],
    [{ type: 1, nsp: "/admin" }, "1/admin,"],
    [{ type: 2, data: ["chat", { text: "hi" }] }, '2["chat",{"text":"hi"}]'],
    [{ type: 2, id: 12, data: ["echo", 1] }, '212["echo",1]'],
    [{ type: 2, nsp: "/a", id: 3, data: ["x"] }, '2/a,3["x"]'],
    [{ type: 3, id: 7, data: [] }, "37[]"],
  ];
  for (const [packet, text] of cases) {
    assert.deepEqual(I.encodePacket(packet), [text]);
    const decoded = I.decodeTextSocketPacket(text);
    assert.deepEqual(decoded, Object.assign({ nsp: "/" }, packet));
  }
});

test("socket packets: malformed input is refused", () => {
  for (const text of ["7", "x", "2", '2"not an array"', "2[]", '1{"a":1}', "3", '3{"a":1}', "5-[]", "5x-[]", "2[1,"]) {
    assert.throws(() => I.decodeTextSocketPacket(text), undefined, text);
  }
});

test("binary: attachments are taken out in order and put back", () => {
  const a = bytes(1, 2);
  const b = new Uint8Array([3, 4, 5]);
  const data = ["upload", { name: "f", parts: [a, { inner: b }] }, 7];
  assert.equal(I.hasBinary(data, 0), true);
  assert.equal(I.hasBinary(["plain", { x: [1, "2", null] }], 0), false);
  const encoded = I.encodePacket({ type: 2, id: 4, nsp: "/files", data });
  assert.equal(encoded.length, 3);
  assert.equal(encoded[0],
    '52-/files,4["upload",{"name":"f","parts":[{"_placeholder":true,"num":0},{"inner":{"_placeholder":true,"num":1}}]},7]');
  assert.equal(encoded[1], a);
  assert.equal(encoded[2], b);

  const header = I.decodeTextSocketPacket(encoded[0]);
  assert.equal(header.type, 5);
  assert.equal(header.attachments, 2);
  const rebuilt = I.reconstruct(header.data, [encoded[1], encoded[2]]);
  assert.equal(rebuilt[1].parts[0], a);
  assert.equal(rebuilt[1].parts[1].inner, b);
  assert.equal(rebuilt[2], 7);
});

test("binary: an acknowledgement with binary becomes BINARY_ACK", () => {
  const encoded = I.encodePacket({ type: 3, id: 9, data: [bytes(1)] });
  assert.equal(encoded[0], '61-9[{"_placeholder":true,"num":0}]');
});

test("binary: placeholders pointing outside the attachments are refused", () => {
  assert.throws(() => I.reconstruct([{ _placeholder: true, num: 1 }], [bytes(1)]), /illegal attachment/);
  assert.throws(() => I.reconstruct([{ _placeholder: true, num: -1 }], [bytes(1)]), /illegal attachment/);
  assert.throws(() => I.reconstruct([{ _placeholder: true, num: "0" }], [bytes(1)]), /illegal attachment/);
});

test("binary: objects with toJSON are left to JSON", () => {
  const date = new Date(0);
  assert.equal(I.hasBinary([date], 0), false);
  assert.deepEqual(I.encodePacket({ type: 2, data: ["at", date] }), ['2["at","1970-01-01T00:00:00.000Z"]']);
});

test("decoder: assembles a binary event from its attachments, then takes text again", () => {
  const decoder = new I.Decoder();
  const seen = [];
  decoder.on("decoded", (packet) => seen.push(packet));
  decoder.add('52-["file",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
  assert.equal(seen.length, 0);
  assert.throws(() => decoder.add("2[\"text while waiting\"]"), /waiting for an attachment/);
  decoder.add(bytes(1, 2));
  decoder.add(new Uint8Array([3]));
  assert.equal(seen.length, 1);
  assert.equal(seen[0].type, 5);
  assert.deepEqual(asArray(seen[0].data[1]), [1, 2]);
  assert.ok(seen[0].data[2] instanceof ArrayBuffer);
  assert.deepEqual(asArray(seen[0].data[2]), [3]);
  decoder.add('2["next"]');
  assert.deepEqual(seen[1].data, ["next"]);
  assert.throws(() => decoder.add(bytes(1)), /binary data without a packet/);
});
