#!/usr/bin/env bash
# The server's CPU per IMAP session, measured from outside: a fresh node on loopback,
# USERS accounts with 20 messages of ~5 KB each in INBOX (delivered over SMTP), and an
# independent client (Python imaplib, not our own generator) with N concurrent workers,
# each session being LOGIN, SELECT INBOX, one FETCH of RFC822 for 10 random messages,
# one STORE +FLAGS (\Flagged) on 3 random messages, LOGOUT. Credentials repeat (the
# server's credential cache is warm after the warm-up round). A warm-up run lets the JIT
# compile; then the server's utime+stime (from /proc/PID/stat) over the measured run is
# divided by the sessions that ended with a tagged OK for LOGOUT. One line per round.
#   bench/scripts/imap-cpu-per-session.sh [workers=8] [sessions=3000] [rounds=3]
# JAR=path/to/twinmail.jar uses a jar already built (e.g. the base release's).
# TLS=1 runs the sessions over implicit TLS (IMAPS, the node's self-signed certificate, a
# full handshake per session as Python's ssl does without explicit session reuse).
# PROFILE=1 records a JFR profile of the server over the measured rounds, prints the
# hottest frames (self and with callees) and keeps it as /tmp/twinmail-imap-session.jfr.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
workers=${1:-8}; sessions=${2:-3000}; rounds=${3:-3}; users=${USERS:-20}
work=$(mktemp -d /tmp/twinmail-imapcpu.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
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
imap: { listen: ["127.0.0.1:0"], tlsListen: [$( [ -n "${TLS:-}" ] && echo '"127.0.0.1:0"' )] }
http: { listen: ["127.0.0.1:0"], tlsListen: [] }
YAML
# one loopback address carries the whole load: exempt it from the per-client limits (where the build has them)
if unzip -l "$jar" 'org/twinmail/core/config/TwinmailConfig$Limits.class' >/dev/null 2>&1; then
  echo 'limits: { exemptNetworks: ["127.0.0.0/8"] }' >> "$work/twinmail.yaml"
fi
"$java_home/bin/java" -jar "$jar" admin --config "$work/twinmail.yaml" domain add bench.test >/dev/null
jfr_opts=()
[ -n "${PROFILE:-}" ] && jfr_opts=(-XX:+FlightRecorder)
: > "$work/server.log"
"$java_home/bin/java" -Xmx512m "${jfr_opts[@]}" -jar "$jar" serve --config "$work/twinmail.yaml" > "$work/server.log" 2>&1 &
pid=$!
until grep -q "TwinMail ready" "$work/server.log"; do sleep 0.05; kill -0 $pid || { cat "$work/server.log"; exit 1; }; done
smtp_port=$(grep -o 'SMTP 127.0.0.1:[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
imap_port=$(grep -o 'IMAP 127.0.0.1:[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
[ -n "${TLS:-}" ] && imap_port=$(grep -o 'IMAPS 127.0.0.1:[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/data/run/admin.json")
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/data/run/admin.json")
for i in $(seq 0 $((users-1))); do
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"address\":\"user$i@bench.test\",\"password\":\"bench-password-$i\"}" "$url/api/admin/users"
done
python3 - "$smtp_port" "$users" <<'PY'
import smtplib, sys
port, users = int(sys.argv[1]), int(sys.argv[2])
line = "x" * 76 + "\r\n"
s = smtplib.SMTP("127.0.0.1", port)
for u in range(users):
    for m in range(20):
        body = ("Subject: message %d\r\nFrom: a@example.net\r\nTo: user%d@bench.test\r\n\r\n" % (m, u) + line * 66)[:5120]
        s.sendmail("a@example.net", ["user%d@bench.test" % u], body)
s.quit()
PY
cat > "$work/sessions.py" <<'PY'
import imaplib, random, ssl, sys, threading
port, workers, total, users, tls = (int(a) for a in sys.argv[1:6])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
ok = [0]; lock = threading.Lock(); counter = iter(range(total))
def session(n):
    u = n % users
    c = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=context) if tls else imaplib.IMAP4("127.0.0.1", port)
    c.login("user%d@bench.test" % u, "bench-password-%d" % u)
    typ, data = c.select("INBOX")
    exists = int(data[0])
    assert exists >= 20, data
    seqs = ",".join(str(s) for s in random.sample(range(1, exists + 1), 10))
    typ, data = c.fetch(seqs, "(RFC822)")
    assert typ == "OK" and sum(1 for d in data if isinstance(d, tuple)) == 10, typ
    typ, _ = c.store(",".join(str(s) for s in random.sample(range(1, exists + 1), 3)), "+FLAGS", "(\\Flagged)")
    assert typ == "OK", typ
    typ, _ = c.logout()
    return typ == "BYE"
def worker():
    while True:
        with lock:
            n = next(counter, None)
        if n is None: return
        if session(n):
            with lock: ok[0] += 1
ts = [threading.Thread(target=worker) for _ in range(workers)]
for t in ts: t.start()
for t in ts: t.join()
print(ok[0])
PY
ticks=$(getconf CLK_TCK)
tlsflag=0; [ -n "${TLS:-}" ] && tlsflag=1
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
python3 "$work/sessions.py" "$imap_port" "$workers" "$sessions" "$users" "$tlsflag" >/dev/null   # warm-up
[ -n "${PROFILE:-}" ] && "$java_home/bin/jcmd" $pid JFR.start name=imap settings=profile >/dev/null
for r in $(seq 1 "$rounds"); do
  c0=$(cpu); t0=$(date +%s%N)
  done_=$(python3 "$work/sessions.py" "$imap_port" "$workers" "$sessions" "$users" "$tlsflag")
  t1=$(date +%s%N); c1=$(cpu)
  awk -v c=$((c1 - c0)) -v hz="$ticks" -v n="$done_" -v ns=$((t1 - t0)) \
    'BEGIN { printf "round: %d sessions in %.1f s (%.0f/s), server CPU %.2f s = %.3f ms per session\n", n, ns/1e9, n/(ns/1e9), c/hz, 1000*c/hz/n }'
done
if [ -n "${PROFILE:-}" ]; then
  "$java_home/bin/jcmd" $pid JFR.dump name=imap filename=/tmp/twinmail-imap-session.jfr >/dev/null
  "$java_home/bin/jfr" print --events jdk.ExecutionSample /tmp/twinmail-imap-session.jfr > "$work/samples.txt"
  python3 - "$work/samples.txt" <<'PY'
import re, sys, collections
self_, total = collections.Counter(), collections.Counter()
n = 0
for block in open(sys.argv[1]).read().split("jdk.ExecutionSample")[1:]:
    frames = re.findall(r"^\s+([\w$.<>/]+\([^)]*\))\s+line:", block, re.M)
    if not frames: continue
    n += 1
    self_[frames[0]] += 1
    for f in set(frames): total[f] += 1
print("%d samples; hottest frames (self):" % n)
for f, c in self_.most_common(25): print("  %5.1f%%  %s" % (100 * c / n, f))
print("with callees (org.twinmail only):")
for f, c in [x for x in total.most_common(400) if x[0].startswith("org.twinmail")][:30]: print("  %5.1f%%  %s" % (100 * c / n, f))
PY
fi
