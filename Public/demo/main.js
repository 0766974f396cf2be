// The pushd demo page: one panel per transport, each on its own connection, a summary that
// compares them, a shared chat, and a meter connection that reads every panel's wire counters.
// This module puts the page together from the others.
import { $, PAGE_ID, TRANSPORTS, panels, settings } from "./page.js";
import { Panel } from "./panel.js";
import { resourceTiming } from "./resource-timing.js";
import { meter } from "./meter.js";
import { charts } from "./summary.js";
import { chat } from "./chat.js";
import { conditions, push } from "./conditions.js";
import { checkHealth } from "./health.js";

const container = $("#panels");
const template = $("#panel-template");
for (const spec of TRANSPORTS) {
  const root = template.content.firstElementChild.cloneNode(true);
  container.append(root);
  panels.push(new Panel(spec, root));
}

resourceTiming.setup();
meter.setup();
charts.setup();
chat.setup();
push.setup();
conditions.setup();
checkHealth();
setInterval(checkHealth, 5000);
window.addEventListener("resize", () => charts.update());
charts.update();
// For scripted checks of the page.
window.demo = { panels, settings, meter, charts, resourceTiming, conditions, pageId: PAGE_ID };
