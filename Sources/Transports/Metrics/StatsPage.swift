/// The live stats page: reads `/metrics` every second and draws the last minute as charts
/// (canvas, no library). Served from the binary, next to `/metrics`.
enum StatsPage {
    static let path = "/stats.html"

    static func html(metricsPath: String) -> String {
        page.replacing("__METRICS_PATH__", with: metricsPath)
    }

    private static let page = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pushd stats</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light dark; --fg: #1d2433; --muted: #667085; --bg: #f6f7f9; --card: #fff; --grid: #e4e7ec; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #98a2b3; --bg: #101418; --card: #1a1f26; --grid: #2b323c; } }
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
  header { display: flex; flex-wrap: wrap; gap: 24px; align-items: baseline; padding: 16px 24px 4px; }
  h1 { font-size: 18px; margin: 0; }
  .figure { color: var(--muted); } .figure b { color: var(--fg); font-size: 16px; }
  #status { margin-left: auto; color: var(--muted); }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; padding: 16px 24px 24px; }
  section { background: var(--card); border-radius: 8px; padding: 12px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  h2 { font-size: 14px; margin: 0 0 6px; font-weight: 600; }
  canvas { width: 100%; height: 180px; display: block; }
  .legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: var(--muted); margin-top: 4px; }
  .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
</style>
</head>
<body>
<header>
  <h1>pushd</h1>
  <span class="figure">sessions <b id="sessions">–</b></span>
  <span class="figure">sockets <b id="sockets">–</b></span>
  <span class="figure">memory <b id="memory">–</b></span>
  <span class="figure">CPU <b id="cpu">–</b></span>
  <span id="status">connecting…</span>
</header>
<main>
  <section><h2>Sessions by transport</h2><canvas id="chart-transports"></canvas><div class="legend" id="legend-transports"></div></section>
  <section><h2>Messages per second</h2><canvas id="chart-messages"></canvas><div class="legend" id="legend-messages"></div></section>
  <section><h2>Bytes per second</h2><canvas id="chart-bytes"></canvas><div class="legend" id="legend-bytes"></div></section>
  <section><h2>Drops per second</h2><canvas id="chart-drops"></canvas><div class="legend" id="legend-drops"></div></section>
  <section><h2>Event loop lag (mean per second, ms)</h2><canvas id="chart-lag"></canvas><div class="legend" id="legend-lag"></div></section>
</main>
<script>
"use strict";
const METRICS = "__METRICS_PATH__";
const WINDOW = 60;
const COLORS = ["#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#06b6d4", "#84cc16", "#ec4899"];
const TRANSPORTS = ["websocket", "sse", "polling", "short-polling"];
const DROPS = ["volatile", "slow_consumer", "rate_limit", "memory_budget"];
const history = [];
let previous = null;
let updates = 0;

function parse(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line || line[0] === "#") continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = {};
    if (match[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let part;
      while ((part = re.exec(match[3]))) labels[part[1]] = part[2].replace(/\\n/g, "\n").replace(/\\(.)/g, "$1");
    }
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}

function sum(samples, name, filter) {
  let total = 0;
  for (const s of samples) if (s.name === name && (!filter || filter(s.labels))) total += s.value;
  return total;
}

function byLabel(samples, name, label) {
  const out = {};
  for (const s of samples) if (s.name === name) out[s.labels[label]] = (out[s.labels[label]] || 0) + s.value;
  return out;
}

function point(samples, at) {
  const lagSum = byLabel(samples, "pushd_event_loop_lag_seconds_sum", "loop");
  const lagCount = byLabel(samples, "pushd_event_loop_lag_seconds_count", "loop");
  return {
    at,
    transports: byLabel(samples, "pushd_connections", "transport"),
    received: sum(samples, "pushd_messages_received_total"),
    sent: sum(samples, "pushd_messages_sent_total"),
    bytesIn: sum(samples, "pushd_bytes_received_total"),
    bytesOut: sum(samples, "pushd_bytes_sent_total"),
    drops: byLabel(samples, "pushd_dropped_total", "reason"),
    lagSum, lagCount,
    sessions: sum(samples, "pushd_sessions"),
    sockets: sum(samples, "pushd_sockets"),
    memory: sum(samples, "process_resident_memory_bytes"),
    cpu: sum(samples, "process_cpu_seconds_total"),
  };
}

function rate(now, before, key) {
  const seconds = Math.max(0.001, (now.at - before.at) / 1000);
  return Math.max(0, (now[key] - before[key]) / seconds);
}

function record(now) {
  if (previous) {
    const seconds = Math.max(0.001, (now.at - previous.at) / 1000);
    const drops = {};
    for (const reason of DROPS) drops[reason] = Math.max(0, ((now.drops[reason] || 0) - (previous.drops[reason] || 0)) / seconds);
    const lag = {};
    for (const loop of Object.keys(now.lagCount)) {
      const count = now.lagCount[loop] - (previous.lagCount[loop] || 0);
      const total = now.lagSum[loop] - (previous.lagSum[loop] || 0);
      lag["loop " + loop] = count > 0 ? (total / count) * 1000 : 0;
    }
    history.push({
      transports: Object.assign({}, now.transports),
      messages: { received: rate(now, previous, "received"), sent: rate(now, previous, "sent") },
      bytes: { "in": rate(now, previous, "bytesIn"), out: rate(now, previous, "bytesOut") },
      drops, lag,
    });
    if (history.length > WINDOW) history.shift();
    document.getElementById("cpu").textContent = (rate(now, previous, "cpu") * 100).toFixed(0) + "%";
  }
  previous = now;
  document.getElementById("sessions").textContent = now.sessions;
  document.getElementById("sockets").textContent = now.sockets;
  document.getElementById("memory").textContent = (now.memory / 1048576).toFixed(1) + " MiB";
}

function format(value) {
  if (value >= 1e9) return (value / 1e9).toFixed(1) + "G";
  if (value >= 1e6) return (value / 1e6).toFixed(1) + "M";
  if (value >= 1e3) return (value / 1e3).toFixed(1) + "k";
  return Number.isInteger(value) || value >= 10 ? value.toFixed(0) : value.toFixed(2);
}

function draw(id, field, series) {
  const canvas = document.getElementById("chart-" + id);
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio)) { canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio); }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const style = getComputedStyle(document.documentElement);
  const left = 44, right = 8, top = 8, bottom = 18;
  let max = 0;
  for (const entry of history) for (const name of series) max = Math.max(max, entry[field][name] || 0);
  max = max > 0 ? max * 1.15 : 1;
  ctx.strokeStyle = style.getPropertyValue("--grid");
  ctx.fillStyle = style.getPropertyValue("--muted");
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = top + (height - top - bottom) * (1 - i / 4);
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(width - right, y); ctx.stroke();
    ctx.fillText(format(max * i / 4), 4, y + 4);
  }
  ctx.fillText("-" + WINDOW + "s", left, height - 4);
  ctx.fillText("now", width - right - 22, height - 4);
  const step = (width - left - right) / (WINDOW - 1);
  const offset = WINDOW - history.length;
  series.forEach((name, index) => {
    ctx.strokeStyle = COLORS[index % COLORS.length];
    ctx.lineWidth = 2;
    ctx.beginPath();
    history.forEach((entry, i) => {
      const x = left + (offset + i) * step;
      const y = top + (height - top - bottom) * (1 - (entry[field][name] || 0) / max);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  });
  const legend = document.getElementById("legend-" + id);
  const last = history[history.length - 1];
  legend.innerHTML = "";
  series.forEach((name, index) => {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = COLORS[index % COLORS.length];
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(name + " " + format(last ? (last[field][name] || 0) : 0)));
    item.dataset.series = name;
    legend.appendChild(item);
  });
}

function render() {
  draw("transports", "transports", TRANSPORTS);
  draw("messages", "messages", ["received", "sent"]);
  draw("bytes", "bytes", ["in", "out"]);
  draw("drops", "drops", DROPS);
  const loops = history.length ? Object.keys(history[history.length - 1].lag) : [];
  draw("lag", "lag", loops);
}

async function update() {
  try {
    const response = await fetch(METRICS, { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    record(point(parse(await response.text()), performance.now()));
    render();
    updates += 1;
    document.body.dataset.updates = String(updates);
    document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (error) {
    document.getElementById("status").textContent = "no data: " + error.message;
  }
}

update();
setInterval(update, 1000);
window.addEventListener("resize", render);
</script>
</body>
</html>
"""#
}
