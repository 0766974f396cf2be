#!/usr/bin/env bash
# client.js's own tests: the Node unit tests (node --test) and the type declarations, compiled
# with tsc against a typed program that then runs against client.js. Installs TypeScript
# (Debian's node-typescript) when tsc is missing. Writes JUnit XML to $1 (default
# test-output/client.xml); exits non-zero when anything fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/test-output/client.xml}
mkdir -p "$(dirname "$out")"

if ! command -v tsc >/dev/null 2>&1; then
  echo "installing node-typescript"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq node-typescript; } >/dev/null 2>&1 \
    || echo "warning: apt-get install node-typescript failed"
fi
command -v node >/dev/null 2>&1 || { echo "node is missing (apt-get install nodejs)"; exit 1; }

# The typed program: compiled (strict) into a scratch folder beside a link to Public/, then run.
# Node's runner calls typed.test.js, which reports this as one test.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export CLIENT_TSC_LOG="$scratch/tsc.log" CLIENT_TYPED_JS="$scratch/out/Tests/client/typed/usage.mjs"
if command -v tsc >/dev/null 2>&1; then
  tsc -p "$here/typed" --outDir "$scratch/out" --rootDir "$root" > "$CLIENT_TSC_LOG" 2>&1
  echo $? > "$scratch/tsc.status"
  mkdir -p "$scratch/out"
  ln -s "$root/Public" "$scratch/out/Public"
else
  echo "tsc not found" > "$CLIENT_TSC_LOG"
  echo 127 > "$scratch/tsc.status"
fi
export CLIENT_TSC_STATUS="$scratch/tsc.status"

cd "$root"
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$scratch/raw.xml" Tests/client/
status=$?

# Node's JUnit output lists top-level tests without a <testsuite>; gather them into one with
# counts, as other JUnit producers write it.
python3 - "$scratch/raw.xml" "$out" <<'PY' || status=1
import sys
import xml.etree.ElementTree as ET
cases = list(ET.parse(sys.argv[1]).getroot().iter("testcase"))
suite = ET.Element("testsuite", name="client.js")
failures = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
skipped = sum(1 for c in cases if c.find("skipped") is not None)
suite.set("tests", str(len(cases)))
suite.set("failures", str(failures))
suite.set("errors", "0")
suite.set("skipped", str(skipped))
suite.extend(cases)
root = ET.Element("testsuites")
root.append(suite)
ET.ElementTree(root).write(sys.argv[2], encoding="utf-8", xml_declaration=True)
PY
exit $status
