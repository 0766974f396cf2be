// Numbers as the demo page shows them, and the scales of its charts.

export function formatMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return "–";
  return (ms < 10 ? ms.toFixed(1) : Math.round(ms).toString()) + " ms";
}

export function formatNumber(value, digits) {
  if (value == null || !Number.isFinite(value)) return "–";
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Short form for chart labels: 950, 1.2k, 34k, 1.1M. */
export function formatShort(value) {
  if (value == null || !Number.isFinite(value)) return "–";
  const trim = (text) => text.replace(/\.0$/, "");
  if (value >= 1e6) return trim((value / 1e6).toFixed(value >= 1e7 ? 0 : 1)) + "M";
  if (value >= 1e3) return trim((value / 1e3).toFixed(value >= 1e4 ? 0 : 1)) + "k";
  if (value >= 10 || Number.isInteger(value)) return Math.round(value).toString();
  return value.toFixed(value >= 1 ? 1 : 2);
}

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** The power of ten at or above `value`, for log scales. */
export function decadeAbove(value) {
  return Math.pow(10, Math.ceil(Math.log10(Math.max(value, 1e-9))));
}
