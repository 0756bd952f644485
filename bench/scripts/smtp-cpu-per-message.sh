#!/usr/bin/env bash
# The server's CPU per delivered message, measured from outside: a fresh node on
# loopback, an independent client (Python smtplib, not our own generator) with N
# concurrent senders, each connection carrying ONE message of SIZE bytes to a local
# mailbox and then QUIT. A warm-up run lets the JIT compile; then the server's
# utime+stime (from /proc/PID/stat) over the measured run is divided by the messages
# the client got 250 for. Prints one summary line per round.
#   bench/scripts/smtp-cpu-per-message.sh [senders=20] [messages=4000] [size=5120] [rounds=3]
# JAR=path/to/twinmail.jar uses a jar already built (e.g. from another checkout).
# SEARCH=off runs the node with the full-text index off (search.enabled: false), for the side-by-side.
# PROFILE=1 records a JFR profile of the server over the measured rounds, prints the hottest
# frames (self and with callees) and keeps it as /tmp/twinmail-smtp-cpu.jfr.
# EXTRA_YAML='filter: {...}' is appended to the server's configuration (a variant's settings).
# SCANNER_PIDS="pid ..." also measures those processes and their children (clamd, spamd) over
# each round and prints their CPU per message beside the server's.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
senders=${1:-20}; messages=${2:-4000}; size=${3:-5120}; rounds=${4:-3}; users=100
work=$(mktemp -d /tmp/twinmail-cpu.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && { wait "$pid" 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT
jar=${JAR:-}
if [ -z "$jar" ]; then
  (cd "$top" && bin/mvn -q -o -DskipTests -pl server -am package >/dev/null)
  jar="$top/server/target/twinmail.jar"
fi
java_home=$("$top/bin/find-jdk")
cat > "$work/twinmail.yaml" <<YAML
hostname: bench.local
dataDir: $work/data
smtp: { listen: ["127.0.0.1:0"] }
submission: { listen: ["127.0.0.1:0"], tlsListen: [] }
pop3: { listen: ["127.0.0.1:0"], tlsListen: [] }
imap: { listen: ["127.0.0.1:0"], tlsListen: [] }
http: { listen: ["127.0.0.1:0"], tlsListen: [] }
managesieve: { listen: [] }
YAML
# one loopback address carries the whole load: exempt it from the per-client limits (where the build has them)
if unzip -l "$jar" 'org/twinmail/core/config/TwinmailConfig$Limits.class' >/dev/null 2>&1; then
  echo 'limits: { exemptNetworks: ["127.0.0.0/8"] }' >> "$work/twinmail.yaml"
fi
[ "${SEARCH:-on}" = off ] && echo 'search: { enabled: false }' >> "$work/twinmail.yaml"
[ -n "${EXTRA_YAML:-}" ] && echo "$EXTRA_YAML" >> "$work/twinmail.yaml"
"$java_home/bin/java" -jar "$jar" admin --config "$work/twinmail.yaml" domain add bench.test >/dev/null
: > "$work/server.log"
jfr_opts=()
[ -n "${PROFILE:-}" ] && jfr_opts=(-XX:+FlightRecorder)
"$java_home/bin/java" -Xmx512m "${jfr_opts[@]}" -jar "$jar" serve --config "$work/twinmail.yaml" > "$work/server.log" 2>&1 &
pid=$!
until grep -q "TwinMail ready" "$work/server.log"; do sleep 0.05; kill -0 $pid || { cat "$work/server.log"; exit 1; }; done
port=$(grep -o 'SMTP 127.0.0.1:[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/data/run/admin.json")
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/data/run/admin.json")
for i in $(seq 0 $((users-1))); do
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"address\":\"user$i@bench.test\",\"password\":\"bench-password-$i\"}" "$url/api/admin/users"
done
cat > "$work/send.py" <<'PY'
import smtplib, sys, threading
port, senders, total, size, users = (int(a) for a in sys.argv[1:6])
line = ("x" * 76 + "\r\n")
body = ("Subject: cpu\r\nFrom: a@example.net\r\n\r\n" + line * (size // len(line) + 1))[:size]
ok = [0]; lock = threading.Lock(); counter = iter(range(total))
def worker():
    while True:
        with lock:
            n = next(counter, None)
        if n is None: return
        s = smtplib.SMTP("127.0.0.1", port)
        s.sendmail("a@example.net", ["user%d@bench.test" % (n % users)], body)
        s.quit()
        with lock: ok[0] += 1
ts = [threading.Thread(target=worker) for _ in range(senders)]
for t in ts: t.start()
for t in ts: t.join()
print(ok[0])
PY
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# the scanners' CPU: each pid and its children (spamd's preforked workers), utime+stime
scanners() {
  local t=0 p
  for p in ${SCANNER_PIDS:-}; do
    for q in $p $(pgrep -P "$p" 2>/dev/null); do
      # the daemon itself with its reaped children (cutime, cstime: spamd recycles its workers), each live worker alone
      [ -r "/proc/$q/stat" ] && t=$((t + $(awk -v top=$([ "$q" = "$p" ] && echo 1 || echo 0) '{print $14 + $15 + (top ? $16 + $17 : 0)}' "/proc/$q/stat")))
    done
  done
  echo $t
}
python3 "$work/send.py" "$port" "$senders" "$messages" "$size" "$users" >/dev/null   # warm-up
[ -n "${PROFILE:-}" ] && "$java_home/bin/jcmd" $pid JFR.start name=smtp settings=profile >/dev/null
for r in $(seq 1 "$rounds"); do
  c0=$(cpu); s0=$(scanners); t0=$(date +%s%N)
  sent=$(python3 "$work/send.py" "$port" "$senders" "$messages" "$size" "$users")
  t1=$(date +%s%N); c1=$(cpu); s1=$(scanners)
  awk -v c=$((c1 - c0)) -v sc=$((s1 - s0)) -v hz="$ticks" -v n="$sent" -v ns=$((t1 - t0)) -v with="${SCANNER_PIDS:+1}" \
    'BEGIN { printf "round: %d messages in %.1f s (%.0f/s), server CPU %.2f s = %.3f ms per message", n, ns/1e9, n/(ns/1e9), c/hz, 1000*c/hz/n;
             if (with) printf ", scanners %.3f ms per message, together %.3f ms", 1000*sc/hz/n, 1000*(c+sc)/hz/n; printf "\n" }'
done
if [ -n "${PROFILE:-}" ]; then
  "$java_home/bin/jcmd" $pid JFR.dump name=smtp filename=/tmp/twinmail-smtp-cpu.jfr >/dev/null
  "$java_home/bin/jfr" print --stack-depth 64 --events jdk.ExecutionSample /tmp/twinmail-smtp-cpu.jfr > "$work/samples.txt"
  python3 - "$work/samples.txt" <<'PY'
import re, sys, collections
self_, total, threads = collections.Counter(), collections.Counter(), collections.Counter()
n = 0
for block in open(sys.argv[1]).read().split("jdk.ExecutionSample")[1:]:
    frames = re.findall(r"^\s+([\w$.<>/]+\([^)]*\))\s+line:", block, re.M)
    if not frames: continue
    n += 1
    t = re.search(r'sampledThread = "([^"]*)"', block)
    threads[re.sub(r"[-#]?\d+$", "", t.group(1)) if t else "?"] += 1
    self_[frames[0]] += 1
    for f in set(frames): total[f] += 1
print("%d samples; by thread:" % n)
for f, c in threads.most_common(10): print("  %5.1f%%  %s" % (100 * c / n, f))
print("hottest frames (self):")
for f, c in self_.most_common(25): print("  %5.1f%%  %s" % (100 * c / n, f))
print("with callees (org.twinmail and org.apache.lucene):")
for f, c in [x for x in total.most_common(600) if x[0].startswith(("org.twinmail", "org.apache.lucene"))][:40]: print("  %5.1f%%  %s" % (100 * c / n, f))
PY
fi
