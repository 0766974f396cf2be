"""Prints 'passed failed skipped' summed over JUnit XML reports (pytest --junitxml, swift test
--xunit-output); a report that is missing or unreadable counts as one failure."""
import sys
import xml.etree.ElementTree as ET

passed = bad = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        bad += 1
        continue
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skip = sum(int(s.get("skipped", 0)) for s in suites)
    passed += tests - failed - skip
    bad += failed
    skipped += skip
print(passed, bad, skipped)
