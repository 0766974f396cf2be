// Type declarations for pushd's browser client, Public/client.js (socket.io-client's API over
// Engine.IO v4 / Socket.IO v5, four transports).
//
// Classic script (<script src="/client.js">): include this file in the program (tsconfig "files"
// or "include") and `io` is a global. ES module (import { io } from "/client.mjs"): client.d.mts
// re-exports these declarations.
//
// Event maps are optional, as in socket.io-client:
//     interface ServerToClient { chat: (line: { text: string }) => void }
//     interface ClientToServer { ping: (ack: () => void) => void }
//     const socket: Socket<ServerToClient, ClientToServer> = io();

/** Transport names, in the `transports` option and as `engine.transport.name`. */
export type TransportName = "websocket" | "sse" | "polling" | "short-polling";
/** Accepted in `transports` for "polling" (long-polling) and "short-polling" (plain polling). */
export type TransportAlias = "long-polling" | "plain-polling";

/** An event map: event name to listener signature. */
export interface EventsMap {
  [event: string]: any;
}

/** The map used when none is given: any event, any arguments. */
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}

export type EventNames<Map extends EventsMap> = keyof Map & string;
type Listener<T> = T extends (...args: any[]) => any ? T : (...args: any[]) => void;
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Listener<Map[Ev]>>;
type Last<T extends any[]> = T extends [...any[], infer L] ? L : any;
type AllButLast<T extends any[]> = T extends [...infer Head, any] ? Head : any[];
type FirstNonErrorArg<T> = T extends (...args: infer P) => any
  ? P extends [Error | null, infer R, ...any[]] ? R : P extends [infer R, ...any[]] ? R : void
  : any;
type PrependError<F> = F extends (...args: infer A) => infer R ? (err: Error | null, ...args: A) => R : F;
type DecorateAck<F> = F extends (...args: infer P) => infer R
  ? P extends [...infer Head, infer Callback]
    ? Callback extends (...args: any[]) => any ? (...args: [...Head, PrependError<Callback>]) => R : F
    : F
  : F;
/** After `timeout(ms)`: every acknowledgement callback gets an error (or null) first. */
export type DecorateAcknowledgements<Map extends EventsMap> = { [Ev in keyof Map]: DecorateAck<Map[Ev]> };

/** Why a socket disconnected. */
export type DisconnectReason =
  | "io server disconnect"
  | "io client disconnect"
  | "ping timeout"
  | "transport close"
  | "transport error"
  | "parse error"
  | "forced close";

/** An error from `connect_error`, the manager's `error` or `reconnect_error`. */
export interface ConnectError extends Error {
  /** "TransportError" when no transport could connect or one failed. */
  type?: string;
  /** The failures behind a TransportError: one "name: why" per transport tried. */
  description?: unknown;
  /** The transport that failed. */
  transport?: TransportName;
  /** Data the server's middleware attached to its refusal. */
  data?: unknown;
}

/** Options of the connection (shared by the namespaces on it). */
export interface ManagerOptions {
  /** Transports in preference order; default ["websocket", "sse", "polling", "short-polling"]. */
  transports: Array<TransportName | TransportAlias> | TransportName | TransportAlias;
  /** The engine's path on the server; default "/socket.io/". */
  path: string;
  /** Extra query parameters sent with every request. */
  query: string | Record<string, string | number | boolean | undefined>;
  /** Time for each transport to open (and for an upgrade probe), in ms; default 10000. */
  timeout: number;
  /** Upgrade an HTTP session to WebSocket when "websocket" is listed; default true. */
  upgrade: boolean;
  /** Send cookies on cross-origin requests; default false. */
  withCredentials: boolean;
  /** Plain polling's longest interval between requests when idle, in ms; default 1000, capped
   * at min(pingInterval, pingTimeout / 2) of the session. */
  pollInterval: number;
  /** Reconnect after a lost connection; default true. */
  reconnection: boolean;
  /** Attempts before `reconnect_failed`; default Infinity. */
  reconnectionAttempts: number;
  /** First reconnection delay in ms, doubled per attempt; default 1000. */
  reconnectionDelay: number;
  /** Longest reconnection delay in ms; default 5000. */
  reconnectionDelayMax: number;
  /** Each delay is randomized by ± this fraction; default 0.5. */
  randomizationFactor: number;
  /** Connect on creation; default true. */
  autoConnect: boolean;
  /** Close on pagehide and reconnect on return from the back/forward cache; default true. */
  closeOnPageHide: boolean;
  /** A new connection instead of the shared one for this server; default false. */
  forceNew: boolean;
  /** false: same as forceNew; default true. */
  multiplex: boolean;
}

/** Options of one namespace's socket. */
export interface SocketOptions {
  /** Sent with the namespace's CONNECT; a function is called on every (re)connection. */
  auth: { [key: string]: any } | ((callback: (data: object) => void) => void);
  /** Default timeout for acknowledgements, in ms (none by default). */
  ackTimeout: number;
  /** Re-send each emit until acknowledged, this many times at most; emits go one at a time. */
  retries: number;
  /** Emits kept while disconnected; past it the oldest are dropped; default 1000. */
  sendBufferLimit: number;
}

/** A packet of the Socket.IO protocol, as the manager's `packet` event gives it. */
export interface Packet {
  type: 0 | 1 | 2 | 3 | 4 | 5 | 6;
  nsp: string;
  id?: number;
  data?: any;
  attachments?: number;
}

/** An Engine.IO packet, as the engine's `packet` and `packetCreate` events give it. */
export interface EnginePacket {
  type: "open" | "close" | "ping" | "pong" | "message" | "upgrade" | "noop" | "error";
  data?: string | ArrayBuffer | ArrayBufferView;
}

/** Listens and stops listening; the base of Manager and the engine. */
export declare class Emitter<Events extends EventsMap> {
  on<Ev extends EventNames<Events>>(event: Ev, listener: Listener<Events[Ev]>): this;
  once<Ev extends EventNames<Events>>(event: Ev, listener: Listener<Events[Ev]>): this;
  off<Ev extends EventNames<Events>>(event?: Ev, listener?: Listener<Events[Ev]>): this;
  addEventListener<Ev extends EventNames<Events>>(event: Ev, listener: Listener<Events[Ev]>): this;
  removeListener<Ev extends EventNames<Events>>(event?: Ev, listener?: Listener<Events[Ev]>): this;
  removeAllListeners<Ev extends EventNames<Events>>(event?: Ev): this;
  listeners<Ev extends EventNames<Events>>(event: Ev): Array<Listener<Events[Ev]>>;
  hasListeners<Ev extends EventNames<Events>>(event: Ev): boolean;
}

/** One transport of an engine session. */
export interface Transport {
  readonly name: TransportName;
  readonly readyState: "opening" | "open" | "closed";
  readonly writable: boolean;
  readonly sid: string | null;
  /** Plain polling only: the idle interval in use (the option within the session's ceiling). */
  readonly pollInterval?: number;
}

export interface EngineEvents {
  open: () => void;
  close: (reason: string, description?: unknown) => void;
  error: (error: ConnectError) => void;
  /** A packet arrived. */
  packet: (packet: EnginePacket) => void;
  /** A packet was queued to be sent. */
  packetCreate: (packet: EnginePacket) => void;
  ping: () => void;
  heartbeat: () => void;
  data: (data: string | ArrayBuffer) => void;
  message: (data: string | ArrayBuffer) => void;
  /** Packets were handed to the transport. */
  flush: () => void;
  /** Everything written has been sent. */
  drain: () => void;
  /** A transport could not open and the next one is tried. */
  transportError: (transport: TransportName, why: string) => void;
  /** The WebSocket probe answered: the switch is under way. */
  upgrading: (transport: Transport) => void;
  upgrade: (transport: Transport) => void;
  upgradeError: (error: ConnectError) => void;
}

/** The Engine.IO session under a manager (`socket.io.engine`). */
export interface Engine extends Emitter<EngineEvents> {
  readonly id: string | null;
  readonly readyState: "opening" | "open" | "closing" | "closed";
  readonly transport: Transport;
  /** Transports to try, in order. */
  readonly transports: TransportName[];
  readonly upgrading: boolean;
  /** Transports the server offered to upgrade to. */
  readonly upgrades: string[];
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly maxPayload: number;
  readonly writeBuffer: EnginePacket[];
  /** Sends one message (string or binary). */
  write(data: string | ArrayBuffer | ArrayBufferView): this;
  send(data: string | ArrayBuffer | ArrayBufferView): this;
  close(): this;
}

export interface ManagerEvents {
  open: () => void;
  close: (reason: DisconnectReason | string, description?: unknown) => void;
  error: (error: ConnectError) => void;
  ping: () => void;
  packet: (packet: Packet) => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect: (attempt: number) => void;
  reconnect_error: (error: ConnectError) => void;
  reconnect_failed: () => void;
}

/** One connection to a server, shared by the sockets of its namespaces; reconnects. */
export declare class Manager extends Emitter<ManagerEvents> {
  constructor(uri?: string, opts?: Partial<ManagerOptions & SocketOptions>);
  constructor(opts: Partial<ManagerOptions & SocketOptions>);
  readonly uri: string;
  readonly opts: Partial<ManagerOptions & SocketOptions>;
  readonly readyState: "opening" | "open" | "closed";
  readonly engine: Engine | null;
  /** The sockets by namespace. */
  readonly nsps: Record<string, Socket>;
  reconnection(): boolean;
  reconnection(value: boolean): this;
  reconnectionAttempts(): number;
  reconnectionAttempts(value: number): this;
  reconnectionDelay(): number;
  reconnectionDelay(value: number): this;
  reconnectionDelayMax(): number;
  reconnectionDelayMax(value: number): this;
  randomizationFactor(): number;
  randomizationFactor(value: number): this;
  timeout(): number;
  timeout(value: number): this;
  /** Opens the connection; the callback gets an error when no transport could. */
  open(callback?: (error?: ConnectError) => void): this;
  connect(callback?: (error?: ConnectError) => void): this;
  /** The socket for a namespace on this connection (created once). */
  socket<Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = Listen>(
    nsp: string, opts?: Partial<SocketOptions>): Socket<Listen, Emit>;
  /** Tries again after the backoff's next delay. */
  reconnect(): this;
  /** Closes the connection without reconnecting. */
  disconnect(): void;
}

export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (error: ConnectError) => void;
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
}

type ListenerOf<Listen extends EventsMap, Ev> = Ev extends keyof SocketReservedEvents
  ? SocketReservedEvents[Ev]
  : Ev extends keyof Listen ? Listener<Listen[Ev]> : never;

/** One namespace on a manager's connection. */
export declare class Socket<Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = Listen> {
  constructor(io: Manager, nsp: string, opts?: Partial<SocketOptions>);
  readonly io: Manager;
  readonly nsp: string;
  /** The session id of this namespace; undefined while disconnected. */
  readonly id: string | undefined;
  readonly connected: boolean;
  readonly disconnected: boolean;
  /** Whether the socket listens to its manager (connected or trying to). */
  readonly active: boolean;
  /**
   * Whether the last connection restored this socket (connection state recovery, when the
   * server runs with `--recovery-window`): same `id`, rooms and data, and every event missed
   * while away delivered once and in order before new ones. False on a fresh connection.
   * Events carry their offset as a last argument on the wire; client.js takes it off, so
   * listeners see only the emitted arguments.
   */
  readonly recovered: boolean;
  auth: SocketOptions["auth"] | undefined;
  /** Events received before `connect` fired. */
  receiveBuffer: Array<any[]>;
  /** Packets emitted while disconnected, sent on connect. */
  sendBuffer: Array<{ type: number; data: any[]; id?: number }>;

  /** The next emit is dropped unless it can go out at once. */
  readonly volatile: this;
  /** Accepted for compatibility; messages are never compressed. */
  compress(compress: boolean): this;
  /** The next emit's acknowledgement gets an error after `ms`. */
  timeout(ms: number): Socket<Listen, DecorateAcknowledgements<Emit>>;

  connect(): this;
  open(): this;
  disconnect(): this;
  close(): this;
  /** Stops listening to the manager without a DISCONNECT (the manager closes when no socket is left). */
  destroy(): void;

  emit<Ev extends EventNames<Emit>>(event: Ev, ...args: EventParams<Emit, Ev>): this;
  /** Emits with an acknowledgement and resolves with its first argument. */
  emitWithAck<Ev extends EventNames<Emit>>(
    event: Ev, ...args: AllButLast<EventParams<Emit, Ev>>): Promise<FirstNonErrorArg<Last<EventParams<Emit, Ev>>>>;
  /** emit("message", ...args). */
  send(...args: any[]): this;

  on<Ev extends keyof SocketReservedEvents | EventNames<Listen>>(event: Ev, listener: ListenerOf<Listen, Ev>): this;
  once<Ev extends keyof SocketReservedEvents | EventNames<Listen>>(event: Ev, listener: ListenerOf<Listen, Ev>): this;
  off<Ev extends keyof SocketReservedEvents | EventNames<Listen>>(event?: Ev, listener?: ListenerOf<Listen, Ev>): this;
  addEventListener<Ev extends keyof SocketReservedEvents | EventNames<Listen>>(event: Ev, listener: ListenerOf<Listen, Ev>): this;
  removeListener<Ev extends keyof SocketReservedEvents | EventNames<Listen>>(event?: Ev, listener?: ListenerOf<Listen, Ev>): this;
  removeAllListeners<Ev extends keyof SocketReservedEvents | EventNames<Listen>>(event?: Ev): this;
  listeners<Ev extends keyof SocketReservedEvents | EventNames<Listen>>(event: Ev): Array<ListenerOf<Listen, Ev>>;
  hasListeners<Ev extends keyof SocketReservedEvents | EventNames<Listen>>(event: Ev): boolean;

  /** A listener for every incoming event, called with the event name first. */
  onAny(listener: (event: string, ...args: any[]) => void): this;
  prependAny(listener: (event: string, ...args: any[]) => void): this;
  offAny(listener?: (event: string, ...args: any[]) => void): this;
  listenersAny(): Array<(event: string, ...args: any[]) => void>;
  /** A listener for every outgoing event. */
  onAnyOutgoing(listener: (event: string, ...args: any[]) => void): this;
  prependAnyOutgoing(listener: (event: string, ...args: any[]) => void): this;
  offAnyOutgoing(listener?: (event: string, ...args: any[]) => void): this;
  listenersAnyOutgoing(): Array<(event: string, ...args: any[]) => void>;
}

/** `io()`: a socket for a namespace, on the connection shared per server and path. */
export interface Io {
  <Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = Listen>(
    opts?: Partial<ManagerOptions & SocketOptions>): Socket<Listen, Emit>;
  <Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = Listen>(
    uri: string, opts?: Partial<ManagerOptions & SocketOptions>): Socket<Listen, Emit>;
  readonly io: Io;
  readonly connect: Io;
  readonly Manager: typeof Manager;
  readonly Socket: typeof Socket;
  /** The Socket.IO protocol revision. */
  readonly protocol: 5;
  /** client.js's version. */
  readonly pushd: string;
  /** The default transports, in order. */
  readonly transports: TransportName[];
  /** Alias to transport name. */
  readonly transportAliases: Readonly<Record<TransportAlias, TransportName>>;
}

export declare const io: Io;
export default io;

declare global {
  /** Defined by client.js (and by importing client.mjs). */
  var io: Io;
}
