// Resource Timing: the browser's own count of response bytes (head and body) for each HTTP
// request of a session, a cross-check of what the server counts.

export const resourceTiming = {
  bySession: new Map(),   // sid -> { responses, transfer }
  setup() {
    if (typeof PerformanceObserver !== "function") return;
    if (performance.setResourceTimingBufferSize) performance.setResourceTimingBufferSize(1000);
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.add(entry);
      performance.clearResourceTimings();
    });
    observer.observe({ type: "resource", buffered: true });
  },
  add(entry) {
    if (!/\/socket\.io\/\?/.test(entry.name) || !(entry.transferSize > 0)) return;
    const url = new URL(entry.name);
    const sid = url.searchParams.get("sid");
    if (!sid) return;
    let record = this.bySession.get(sid);
    if (!record) this.bySession.set(sid, record = { responses: 0, transfer: 0, body: 0 });
    record.responses++;
    record.transfer += entry.transferSize;
    record.body += entry.encodedBodySize;
  },
  of(panel) {
    const engine = panel.socket && panel.socket.io.engine;
    return engine && engine.id ? this.bySession.get(engine.id) : undefined;
  },
};
