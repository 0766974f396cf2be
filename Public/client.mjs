// ES module entry for the pushd client: `import { io } from "/client.mjs"`.
// client.js is a classic script that defines globalThis.io; importing it here makes it run
// before this module's body, whatever else the page loads and in whatever order.
import "./client.js";

export const io = globalThis.io;
export const Manager = io.Manager;
export const Socket = io.Socket;
export default io;
