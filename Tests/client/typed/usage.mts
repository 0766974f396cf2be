// A typed program against Public/client.d.ts: compiled with tsc (strict) and then run with Node
// against client.js itself, so the declarations and the library cannot drift apart unnoticed.
import io, { io as namedIo, Manager, Socket } from "../../../Public/client.mjs";
import type { ConnectError, DisconnectReason, ManagerOptions, SocketOptions, TransportName } from "../../../Public/client.mjs";

interface ServerToClient {
  chat: (line: { room: string; text: string; from: string }) => void;
  tick: (info: { seq: number; rate: number }) => void;
}
interface ClientToServer {
  chat: (line: { room: string; text: string }, ack: (reply?: { error: string }) => void) => void;
  echo: (value: number, ack: (value: number) => void) => void;
  typing: (room: string) => void;
}

const checks: string[] = [];
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error("failed: " + what);
  checks.push(what);
}

const options: Partial<ManagerOptions & SocketOptions> = {
  transports: ["websocket", "sse", "polling", "short-polling", "long-polling", "plain-polling"],
  path: "/socket.io/", query: { room: "a", n: 1 }, timeout: 5000, upgrade: false,
  withCredentials: false, pollInterval: 2000, reconnection: true, reconnectionAttempts: 5,
  reconnectionDelay: 500, reconnectionDelayMax: 4000, randomizationFactor: 0.3, autoConnect: false,
  closeOnPageHide: false, forceNew: true, multiplex: false,
  auth: { token: "secret" }, ackTimeout: 200, retries: 0, sendBufferLimit: 10,
};

const socket: Socket<ServerToClient, ClientToServer> = io<ServerToClient, ClientToServer>("http://127.0.0.1:9", options);
check(namedIo === io && io.io === io && io.connect === io, "io, io.io and io.connect are one function");
check(io.protocol === 5 && typeof io.pushd === "string", "protocol and version");
const defaults: TransportName[] = io.transports;
check(defaults.join() === "websocket,sse,polling,short-polling", "default transports");
check(io.transportAliases["long-polling"] === "polling", "aliases");
check(socket instanceof io.Socket && socket.io instanceof io.Manager && socket.io instanceof Manager, "classes");
check(socket.nsp === "/" && socket.id === undefined && !socket.connected && socket.disconnected, "a new socket");
check(socket.active === false && socket.recovered === false, "not yet active");

const manager: Manager = socket.io;
check(manager.readyState === "closed" && manager.engine === null, "manager not opened (autoConnect false)");
check(manager.reconnection() === true && manager.reconnectionAttempts() === 5, "reconnection getters");
check(manager.reconnectionDelay(800).reconnectionDelay() === 800, "reconnectionDelay setter chains");
check(manager.reconnectionDelayMax() === 4000 && manager.randomizationFactor() === 0.3, "backoff getters");
check(manager.timeout() === 5000 && manager.timeout(6000) === manager, "timeout getter and setter");
check(manager.opts.pollInterval === 2000, "pollInterval kept in the options");
manager.on("reconnect_attempt", (attempt: number) => { void attempt; });
manager.on("reconnect_failed", () => {});
manager.on("error", (error: ConnectError) => { void error.description; });
manager.once("close", (reason) => { const text: string = reason; void text; });

socket.on("connect", () => {});
socket.on("disconnect", (reason: DisconnectReason, description) => { void description; void reason; });
socket.on("connect_error", (error) => { const data: unknown = error.data; void data; });
socket.on("chat", (line) => { const text: string = line.text; void text; });
socket.once("tick", (info) => { const seq: number = info.seq; void seq; });
socket.off("tick");
check(socket.listeners("chat").length === 1 && socket.hasListeners("chat"), "typed listeners registered");

// Emits while disconnected are buffered (bounded by sendBufferLimit); volatile ones dropped.
socket.emit("typing", "lobby");
socket.emit("chat", { room: "lobby", text: "hi" }, (reply) => { void reply?.error; });
socket.volatile.emit("typing", "lobby");
check(socket.sendBuffer.length === 2, "two emits buffered, the volatile one dropped");
for (let i = 0; i < 20; i++) socket.emit("typing", "room " + i);
check(socket.sendBuffer.length === 10, "the offline buffer keeps sendBufferLimit packets");

const outgoing: string[] = [];
const any = (event: string, ...args: any[]) => { void args; };
socket.onAny(any).prependAny(any).offAny(any);
socket.onAnyOutgoing((event) => outgoing.push(event));
check(socket.listenersAny().length === 0 && socket.listenersAnyOutgoing().length === 1, "catch-all listeners");
socket.offAnyOutgoing();
check(socket.compress(false) === socket && socket.send("x") === socket, "compress and send chain");

// With timeout(), acknowledgements get an error first; emitWithAck resolves with the reply.
socket.timeout(20).emit("echo", 1, (error, value) => { const e: Error | null = error; const n: number = value; void e; void n; });
const pending: Promise<number> = socket.timeout(30).emitWithAck("echo", 2);
const plain: Promise<number> = socket.emitWithAck("echo", 3);

// The untyped form takes any event and arguments.
const loose = io("http://127.0.0.1:9", { autoConnect: false, forceNew: true, transports: "sse" });
loose.emit("anything", 1, "two", { three: 3 }, new Uint8Array(2));
loose.on("whatever", (a: number, b: string) => { void a; void b; });
const reply: Promise<any> = loose.emitWithAck("question", 42);
void reply;
check(loose.io !== socket.io, "forceNew makes another manager");
const second = loose.io.socket("/admin", { auth: (callback) => callback({ token: "t" }) });
check(second.nsp === "/admin" && second.io === loose.io, "a namespace on the same manager");
const direct = new Manager("http://127.0.0.1:9", { autoConnect: false });
check(direct.socket("/").io === direct, "a Manager made directly");

// Wrong usage must not compile (never called: it only has to fail the type check).
function wrongUsage(): void {
// @ts-expect-error: not a transport
io({ transports: ["carrier-pigeon"] });
// @ts-expect-error: pollInterval is a number
io({ pollInterval: "fast" });
// @ts-expect-error: unknown option
io({ reconnectDelay: 5 });
// @ts-expect-error: wrong argument type for a typed event
socket.emit("typing", 5);
// @ts-expect-error: unknown event for a typed socket
socket.emit("nope");
// @ts-expect-error: reserved listener signature
socket.on("connect_error", (error: string) => {});
// @ts-expect-error: manager events are typed too
manager.on("reconnect", (attempt: string) => {});
}
void wrongUsage;

// Nothing answers (never connected): both acknowledgements time out, the second after ackTimeout.
const started = Date.now();
Promise.allSettled([pending, plain]).then((results) => {
  for (const result of results) {
    check(result.status === "rejected" && (result.reason as Error).message === "operation has timed out",
      "emitWithAck rejects after its timeout");
  }
  check(Date.now() - started >= 190, "ackTimeout applies when timeout() is not used");
  socket.disconnect();
  loose.disconnect();
  second.disconnect();
  console.log("typed usage: " + checks.length + " checks passed");
});
