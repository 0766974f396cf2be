// Type declarations for `import { io } from "/client.mjs"`: the same as client.d.ts.
export * from "./client.js";
export { default } from "./client.js";
