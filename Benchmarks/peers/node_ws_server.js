// The benchmark convention on node's `ws`: a message whose first byte is "B" goes to every
// open client (the sender too); anything else is echoed to its sender.
// Usage: node node_ws_server.js PORT [HOST]
'use strict';
const http = require('http');
let ws;
try { ws = require('ws'); } catch (e) { ws = require('/usr/share/nodejs/ws'); } // Debian's node-ws
const { WebSocketServer } = ws;

const port = Number(process.argv[2] || 9001);
const host = process.argv[3] || '127.0.0.1';
const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 1000000 });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (data.length > 0 && data[0] === 0x42) {
      for (const client of wss.clients) client.send(data, { binary: isBinary });
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
  ws.on('error', () => {});
});

server.listen({ port, host, backlog: 4096 }, () => console.log(`node ws listening on ${host}:${port}`));
