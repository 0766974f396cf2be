// The classic-script form: client.js defines a global `io` (declared by client.d.ts).
/// <reference path="../../../Public/client.d.ts" />
const globalSocket = io({ autoConnect: false, transports: ["polling", "websocket"] });
globalSocket.on("connect", () => console.log(globalSocket.io.engine?.transport.name));
globalSocket.io.engine?.on("upgrade", (transport) => { const name: "websocket" | "sse" | "polling" | "short-polling" = transport.name; void name; });
export {};
