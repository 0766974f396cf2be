// The chat: one list for all four panels; each line is shown once, with the panels that got it.
import { $, MAX_CHAT_LINES, ROOM, TRANSPORTS, panels } from "./page.js";

export const chat = {
  entries: [],
  typingTimer: null,
  lastTypingSent: 0,

  ownName(id) {
    const panel = panels.find((p) => p.socket && p.socket.id === id);
    return panel ? "you · " + panel.spec.title : "guest " + String(id).slice(0, 6);
  },

  receive(panel, line) {
    if (!line || line.room !== ROOM) return;
    let entry = this.entries.find((e) => e.from === line.from && e.text === line.text && !e.receivedBy.has(panel.spec.name));
    if (!entry) entry = this.add(line);
    entry.receivedBy.add(panel.spec.name);
    entry.chips.get(panel.spec.name).classList.add("on");
    entry.chips.get(panel.spec.name).title = "received by the " + panel.spec.title + " panel";
  },

  add(line) {
    const list = $("#chat-log");
    const item = document.createElement("li");
    const meta = document.createElement("div");
    meta.className = "meta";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = this.ownName(line.from);
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.dataset.transport = line.transport;
    badge.textContent = "sent over " + line.transport;
    meta.append(who, badge);
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = line.text;
    const chips = document.createElement("div");
    chips.className = "chips";
    chips.setAttribute("aria-label", "received by");
    const chipMap = new Map();
    for (const spec of TRANSPORTS) {
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.dataset.transport = spec.name;
      chip.textContent = spec.short;
      chips.append(chip);
      chipMap.set(spec.name, chip);
    }
    item.append(meta, text, chips);
    const stuck = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(item);
    if (stuck) list.scrollTop = list.scrollHeight;
    const entry = { from: line.from, text: line.text, receivedBy: new Set(), chips: chipMap, item };
    this.entries.push(entry);
    while (this.entries.length > MAX_CHAT_LINES) this.entries.shift().item.remove();
    return entry;
  },

  typing(info) {
    if (!info || info.room !== ROOM || panels.some((p) => p.socket && p.socket.id === info.from)) return;
    const out = $("#typing");
    out.textContent = this.ownName(info.from) + " is typing…";
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => { out.textContent = ""; }, 3000);
  },

  selectedPanel() {
    const name = $("#chat-via").value;
    return panels.find((p) => p.spec.name === name) || panels[0];
  },

  setup() {
    const select = $("#chat-via");
    for (const spec of TRANSPORTS) {
      const option = document.createElement("option");
      option.value = spec.name;
      option.textContent = spec.title;
      select.append(option);
    }
    const input = $("#chat-text");
    const error = $("#chat-error");
    input.addEventListener("input", () => {
      const now = performance.now();
      if (now - this.lastTypingSent < 1000) return;
      this.lastTypingSent = now;
      // Volatile: a typing hint is worthless late, so it is dropped rather than queued.
      this.selectedPanel().socket.volatile.emit("typing", ROOM);
    });
    $("#chat-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      const panel = this.selectedPanel();
      error.textContent = "";
      if (!panel.socket.connected) {
        error.textContent = "The " + panel.spec.title + " panel is not connected; the line is sent when it is.";
      }
      panel.socket.timeout(10000).emit("chat", { room: ROOM, text }, (err, reply) => {
        if (err) error.textContent = "Not delivered: " + err.message;
        else if (reply && reply.error) error.textContent = "Refused: " + reply.error;
      });
      input.value = "";
    });
  },
};
