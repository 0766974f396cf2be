// The summary: the four transports side by side, one small chart per figure.
import { $, panels } from "./page.js";
import { decadeAbove, formatNumber, formatShort } from "./format.js";

const METRICS = [
  { key: "rtt", title: "Round trip, ms", note: "p50 bar, p99 tick · log", log: true, value: (f) => f.p50, mark: (f) => f.p99, format: formatShort },
  { key: "wire", title: "Bytes per message", note: "with HTTP heads; light: bodies and frames only · log", log: true, value: (f) => (f.wire != null ? f.wire : f.payload), mark: null, inner: (f) => (f.wire != null ? f.payload : null), format: formatShort },
  { key: "requests", title: "HTTP requests per message", note: "both ways", log: false, value: (f) => f.requests, format: (v) => formatNumber(v, 2) },
  { key: "idle-requests", title: "Idle: requests per minute", note: "quiet mode", log: false, value: (f) => f.idleRequests, format: formatShort },
  { key: "idle-bytes", title: "Idle: bytes per minute", note: "quiet mode, with heads · log", log: true, value: (f) => f.idleBytes, format: formatShort },
];
const SVG = "http://www.w3.org/2000/svg";

function svg(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const key of Object.keys(attributes)) node.setAttribute(key, attributes[key]);
  if (text != null) node.textContent = text;
  return node;
}

export const charts = {
  figures: [],
  setup() {
    const container = $("#summary-charts");
    this.boxes = METRICS.map((metric) => {
      const figure = document.createElement("figure");
      figure.className = "metric";
      figure.dataset.metric = metric.key;
      const caption = document.createElement("figcaption");
      const strong = document.createElement("strong");
      strong.textContent = metric.title;
      const note = document.createElement("span");
      note.textContent = metric.note;
      caption.append(strong, " ", note);
      const holder = document.createElement("div");
      holder.className = "metric-svg";
      figure.append(caption, holder);
      container.append(figure);
      return { metric, holder };
    });
  },
  update() {
    this.figures = panels.map((p) => ({ panel: p, f: p.figures() }));
    for (const box of this.boxes) this.drawMetric(box);
    this.drawAll();
  },
  /** Panel charts share one log scale: up to the decade above the slowest sample anywhere. */
  drawAll() {
    let max = 10;
    for (const panel of panels) for (const ms of panel.samples) if (ms > max) max = ms;
    const top = decadeAbove(max);
    for (const panel of panels) panel.draw(top);
  },
  drawMetric({ metric, holder }) {
    const width = Math.max(200, holder.clientWidth || 260);
    const rowHeight = 22;
    const labelWidth = 44;
    const valueWidth = 48;
    const height = rowHeight * panels.length + 16;
    const values = this.figures.map(({ f }) => metric.value(f));
    const marks = this.figures.map(({ f }) => (metric.mark ? metric.mark(f) : null));
    const inners = this.figures.map(({ f }) => (metric.inner ? metric.inner(f) : null));
    const known = values.concat(marks, inners).filter((v) => v != null && Number.isFinite(v));
    const maxValue = known.length ? Math.max(...known) : 1;
    const barWidth = width - labelWidth - valueWidth;
    let x;
    let ticks;
    if (metric.log) {
      const low = 1;
      const top = Math.max(10, decadeAbove(maxValue));
      x = (v) => labelWidth + Math.max(0, Math.log10(Math.max(v, low) / low) / Math.log10(top / low)) * barWidth;
      ticks = [];
      for (let t = low; t <= top; t *= 10) ticks.push(t);
    } else {
      const top = maxValue > 0 ? maxValue * 1.1 : 1;
      x = (v) => labelWidth + (Math.max(0, v) / top) * barWidth;
      ticks = [0];
    }
    const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": metric.title + ": " + this.figures.map(({ panel }, i) => panel.spec.short + " " + (values[i] == null ? "not measured" : metric.format(values[i]))).join(", ") });
    for (const t of ticks) {
      const gx = Math.round(x(t)) + 0.5;
      root.append(svg("line", { x1: gx, x2: gx, y1: 0, y2: height - 14, class: "grid" }));
      if (metric.log) root.append(svg("text", { x: gx, y: height - 3, class: "tick", "text-anchor": "middle" }, formatShort(t)));
    }
    this.figures.forEach(({ panel }, i) => {
      const y = i * rowHeight + 2;
      const row = svg("g", { class: "row", "data-transport": panel.carrier || panel.spec.name });
      row.append(svg("text", { x: 0, y: y + 14, class: "label" }, panel.spec.short + (panel.root.dataset.fallback ? "→" : "")));
      const value = values[i];
      if (value == null || !Number.isFinite(value)) {
        row.append(svg("text", { x: labelWidth, y: y + 14, class: "missing" }, metric.key.startsWith("idle") ? "press Quiet" : "–"));
      } else {
        const end = Math.max(labelWidth + 2, x(value));
        row.append(svg("rect", { x: labelWidth, y: y + 3, width: end - labelWidth, height: rowHeight - 8, rx: 3, class: "bar" }));
        const inner = inners[i];
        if (inner != null && Number.isFinite(inner)) {
          row.append(svg("rect", { x: labelWidth, y: y + 7, width: Math.max(2, x(inner) - labelWidth), height: rowHeight - 16, class: "inner" }));
        }
        let textX = end + 4;
        const mark = marks[i];
        if (mark != null && Number.isFinite(mark)) {
          const mx = Math.round(x(mark)) + 0.5;
          row.append(svg("line", { x1: mx, x2: mx, y1: y + 1, y2: y + rowHeight - 3, class: "mark" }));
          textX = Math.max(textX, mx + 4);
        }
        const label = metric.format(value) + (mark != null && Number.isFinite(mark) ? "/" + metric.format(mark) : "");
        const anchorEnd = textX + 6 * label.length > width;
        row.append(svg("text", { x: anchorEnd ? width : textX, y: y + 14, class: "value", "text-anchor": anchorEnd ? "end" : "start" }, label));
      }
      root.append(row);
    });
    holder.replaceChildren(root);
  },
};
