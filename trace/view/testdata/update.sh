#!/usr/bin/env bash
# Regenerates the fixture traces of trace/view's HTML tests from fresh runs
# of the walkthrough:
#
#   tour.json             the default tour: startup, requests, the shutdown cascade
#   kubeapiversions.json  the tour with KUBE_API_VERSIONS=v1 (no aggregator)
#   panic.json            --break=listener: RunServer's serve goroutine panics;
#                         the walkthrough exits 2 on purpose, after writing the trace
#
# Each span keeps what package view reads; the fields that are the same on
# every line (Resource, InstrumentationScope, InstrumentationLibrary) are
# dropped to keep the files small. Ports differ on every run: the tests
# check structure, not ports.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd ../../.. && go build -o "$tmp/walkthrough" ./cmd/walkthrough)

free_ports() {
  python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])
[x.close() for x in s]'
}

# tour NAME WANT_STATUS [VAR=value...]: runs the walkthrough with that
# environment and $flags, and keeps its trace as NAME.json.
tour() {
  local name=$1 want=$2 status=0 p1 p2
  shift 2
  read -r p1 p2 < <(free_ports)
  env "$@" "$tmp/walkthrough" --insecure-port="$p1" --secure-port="$p2" \
    --trace-file "$tmp/$name.json" ${flags:-} >"$tmp/$name.log" 2>&1 || status=$?
  if [ "$status" != "$want" ]; then
    echo "update.sh: $name exited $status, want $want:"; cat "$tmp/$name.log"; exit 1
  fi
  python3 - "$tmp/$name.json" >"$name.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    span = json.loads(line)
    for k in ("Resource", "InstrumentationScope", "InstrumentationLibrary"):
        span.pop(k, None)
    print(json.dumps(span, ensure_ascii=False, separators=(",", ":")))
PY
  echo "testdata/$name.json: $(wc -l <"$name.json") spans"
}

tour tour 0
tour kubeapiversions 0 KUBE_API_VERSIONS=v1
flags=--break=listener tour panic 2
