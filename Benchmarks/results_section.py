"""What Benchmarks/api.sh and recovery.sh share to turn their runs into a section of RESULTS.md:
rows of JSON lines by row name, medians, number formats, a broadcast row, and replacing the
section between its markers (appended the first time)."""
import json
import statistics


class Runs:
    def __init__(self, path):
        self.rows = {}
        for line in open(path):
            entry = json.loads(line)
            self.rows.setdefault(entry["row"], []).append(entry)

    def get(self, row):
        return self.rows.get(row, [])

    def med(self, row, key):
        values = [r.get(key) for r in self.get(row) if r.get(key) is not None]
        return statistics.median(values) if values else None

    def latency_ms(self, row, quantile):
        values = [(r.get("latency_us") or {}).get(quantile) for r in self.get(row)]
        values = [v for v in values if v is not None]
        return statistics.median(values) / 1000 if values else None

    def broadcast_line(self, row, title, count, cpu_digits=2):
        """`| title | count | deliveries/s | p50 / p99 ms | missing | server CPU per delivery |`"""
        missing = sum(r.get("missing") or 0 for r in self.get(row))
        return (f"| {title} | {count} | {fmt(self.med(row, 'rate'))} | {fmt(self.latency_ms(row, 'p50'), 1)} / "
                f"{fmt(self.latency_ms(row, 'p99'), 1)} | {missing} | {fmt(self.med(row, 'server_cpu_us_per_msg'), cpu_digits)} us |")


def fmt(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def replace_section(md_path, start, end, lines):
    """Writes `lines` (which begin with `start` and end with `end`) into md_path; returns the text."""
    section = "\n".join(lines) + "\n"
    text = open(md_path).read()
    if start in text:
        text = text[:text.index(start)] + section + text[text.index(end) + len(end) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    open(md_path, "w").write(text)
    return section
