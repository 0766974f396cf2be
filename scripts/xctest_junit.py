"""Writes a JUnit XML report from an XCTest console log (`swift test` without --parallel prints
no XCTest report): one testcase per 'Test Case ... started'; a case that started and never
finished (the process died in it, say on a sanitizer report) is a failure.
Usage: xctest_junit.py LOG XML"""
import re
import sys
import xml.etree.ElementTree as ET

STARTED = re.compile(r"^Test Case '([^']+)' started")
ENDED = re.compile(r"^Test Case '([^']+)' (passed|failed|skipped) \(([\d.]+) seconds\)")

results = {}
order = []
with open(sys.argv[1], errors="replace") as log:
    for line in log:
        if match := STARTED.match(line):
            name = match.group(1)
            if name not in results:
                order.append(name)
            results[name] = ("unfinished", 0.0)
        elif match := ENDED.match(line):
            results[match.group(1)] = (match.group(2), float(match.group(3)))

suite = ET.Element("testsuite", name="xctest", tests=str(len(order)))
counts = {"failed": 0, "unfinished": 0, "skipped": 0}
for name in order:
    outcome, seconds = results[name]
    classname, _, test = name.rpartition(".")
    case = ET.SubElement(suite, "testcase", classname=classname, name=test, time=str(seconds))
    if outcome in counts:
        counts[outcome] += 1
    if outcome == "failed":
        ET.SubElement(case, "failure", message="failed")
    elif outcome == "unfinished":
        ET.SubElement(case, "failure", message="did not finish (the test process died)")
    elif outcome == "skipped":
        ET.SubElement(case, "skipped")
suite.set("failures", str(counts["failed"] + counts["unfinished"]))
suite.set("skipped", str(counts["skipped"]))
ET.ElementTree(suite).write(sys.argv[2])
