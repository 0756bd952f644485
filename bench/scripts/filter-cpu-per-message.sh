#!/usr/bin/env bash
# CPU per delivered message of the MX's whole filter chain, with the external scanners off and
# on, in one run: smtp-cpu-per-message.sh against three configurations of the same jar, one
# after the other, twice (A B C A B C), so load drifts hit each alike:
#   A  filter.content.enabled: false   (no content score; scanners off: the chain's cheap checks only)
#   B  defaults                         (the built-in content score, Bayes untrained; scanners off)
#   C  B + clamd and spamd              (ClamAV and SpamAssassin from Debian, on unix sockets, offline)
# For C the scanners' own CPU (clamd, spamd and its children) is measured too and added.
#   [PASSES=2] bench/scripts/filter-cpu-per-message.sh [senders=20] [messages=2000] [size=5120] [rounds=2]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
senders=${1:-20}; messages=${2:-2000}; size=${3:-5120}; rounds=${4:-2}
work=$(mktemp -d /tmp/twinmail-filter-cpu.XXXXXX)
clamd_pid=""; spamd_pid=""
cleanup() {
  [ -n "$clamd_pid" ] && kill "$clamd_pid" 2>/dev/null
  [ -n "$spamd_pid" ] && kill "$spamd_pid" 2>/dev/null
  wait 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${JAR:-}" ]; then
  (cd "$top" && bin/mvn -q -o -DskipTests -pl server -am package >/dev/null)
  export JAR="$top/server/target/twinmail.jar"
fi
# clamd with one signature of our own (no freshclam, nothing downloaded); spamd offline (-L)
mkdir -p "$work/db" "$work/tmp"
echo "TwinMail.Bench.Nothing:0:*:$(printf 'twinmail-bench-never-matches' | od -An -tx1 | tr -d ' \n')" > "$work/db/bench.ndb"
cat > "$work/clamd.conf" <<CONF
LocalSocket $work/clamd.sock
DatabaseDirectory $work/db
TemporaryDirectory $work/tmp
LogFile $work/clamd.log
Foreground yes
StreamMaxLength 25M
CONF
/usr/sbin/clamd -c "$work/clamd.conf" > "$work/clamd.out" 2>&1 & clamd_pid=$!
/usr/sbin/spamd -x -L --socketpath="$work/spamd.sock" --socketmode=0666 --max-children=2 --min-children=2 \
    --syslog="$work/spamd.log" --pidfile="$work/spamd.pid" > "$work/spamd.out" 2>&1 & spamd_pid=$!
for i in $(seq 1 600); do [ -S "$work/clamd.sock" ] && [ -S "$work/spamd.sock" ] && break; sleep 0.2; done
[ -S "$work/clamd.sock" ] && [ -S "$work/spamd.sock" ] || { echo "scanners did not start"; cat "$work"/*.out; exit 1; }
variant() {
  local name=$1 yaml=$2 pids=$3
  echo "== $name: ${yaml:-defaults}"
  EXTRA_YAML="$yaml" SCANNER_PIDS="$pids" "$top/bench/scripts/smtp-cpu-per-message.sh" "$senders" "$messages" "$size" "$rounds"
}
scanners="filter: { clamav: { address: \"unix:$work/clamd.sock\" }, spamd: { address: \"unix:$work/spamd.sock\", maxSize: 500K } }"
uptime
for pass in $(seq 1 "${PASSES:-2}"); do
  variant "A (content score off, scanners off)" "filter: { content: { enabled: false } }" ""
  variant "B (content score on, scanners off)" "" ""
  variant "C (content score on, clamd and spamd on)" "$scanners" "$clamd_pid $spamd_pid"
done
uptime
