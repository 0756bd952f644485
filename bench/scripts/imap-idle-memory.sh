#!/usr/bin/env bash
# Memory per IDLE IMAP connection, measured from outside: a fresh node on loopback
# (-Xmx512m, imap.maxConnections raised), USERS accounts with a few messages, and a
# client of our own (Python asyncio, one process) that opens connections from
# 127.0.0.2, 127.0.0.3, ... (a new source address every 10,000 connections: no
# ephemeral-port limit), and on each one LOGIN, SELECT INBOX and IDLE. At each
# checkpoint the client waits until every connection got "+ idling", lets the server
# settle, runs a full GC (jcmd GC.run), then reads the server's heap in use (GC.heap_info)
# and its RSS (/proc/PID/status VmRSS): one line per checkpoint, and the cost per
# connection against the node with no connection. At the end one message is delivered
# over SMTP to every account and every connection must see its "* N EXISTS" (IDLE still
# works), then all connections end with DONE and LOGOUT.
#   bench/scripts/imap-idle-memory.sh [checkpoints=5000,10000,19000]
# NMT=1 runs the server with native memory tracking and prints its summary at each checkpoint.
# SERVER_JAVA_OPTS="..." adds JVM options to the server's.
# HISTO=1 prints the top of the server's heap histogram at the last checkpoint.
# JAR=path/to/twinmail.jar uses a jar already built (e.g. the base release's).
# This machine caps a process at 20,000 open files: 19,000 leaves the server room.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
checkpoints=${1:-5000,10000,19000}; users=${USERS:-20}
work=$(mktemp -d /tmp/twinmail-idle.XXXXXX)
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
imap: { listen: ["0.0.0.0:0"], tlsListen: [], maxConnections: 20000 }
http: { listen: ["127.0.0.1:0"], tlsListen: [] }
YAML
if unzip -l "$jar" 'org/twinmail/core/config/TwinmailConfig$Limits.class' >/dev/null 2>&1; then
  echo 'limits: { exemptNetworks: ["127.0.0.0/8"] }' >> "$work/twinmail.yaml"
fi
"$java_home/bin/java" -jar "$jar" admin --config "$work/twinmail.yaml" domain add bench.test >/dev/null
: > "$work/server.log"
nmt_opts=(); [ -n "${NMT:-}" ] && nmt_opts=(-XX:NativeMemoryTracking=summary)
"$java_home/bin/java" -Xmx512m ${SERVER_JAVA_OPTS:-} "${nmt_opts[@]}" -jar "$jar" serve --config "$work/twinmail.yaml" > "$work/server.log" 2>&1 &
pid=$!
until grep -q "TwinMail ready" "$work/server.log"; do sleep 0.05; kill -0 $pid || { cat "$work/server.log"; exit 1; }; done
smtp_port=$(grep -o 'SMTP 127.0.0.1:[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
imap_port=$(grep -o 'IMAP 0.0.0.0:[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/data/run/admin.json")
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/data/run/admin.json")
for i in $(seq 0 $((users-1))); do
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"address\":\"user$i@bench.test\",\"password\":\"bench-password-$i\"}" "$url/api/admin/users"
done
cat > "$work/deliver.py" <<'PY'
import smtplib, sys
port, users, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = smtplib.SMTP("127.0.0.1", port)
for u in range(users):
    for m in range(count):
        s.sendmail("a@example.net", ["user%d@bench.test" % u],
                   "Subject: idle %d\r\nFrom: a@example.net\r\n\r\n%s\r\n" % (m, "x" * 2000))
s.quit()
PY
python3 "$work/deliver.py" "$smtp_port" "$users" 20
cat > "$work/idle.py" <<'PY'
import asyncio, re, subprocess, sys, time
port, users, pid, jcmd, smtp_port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
checkpoints = [int(x) for x in sys.argv[6].split(",")]
histo = len(sys.argv) > 8 and sys.argv[8] == "1"
nmt = len(sys.argv) > 9 and sys.argv[9] == "1"
conns = []
def measure():
    # after a full GC (G1 gives back what it no longer needs), so the RSS of two moments compares
    subprocess.run([jcmd, str(pid), "GC.run"], capture_output=True)
    time.sleep(1)
    out = subprocess.run([jcmd, str(pid), "GC.heap_info"], capture_output=True, text=True).stdout
    m = re.search(r"(?:committed|total) (\d+)K, used (\d+)K", out)
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"): rss = int(l.split()[1])
    if nmt:
        nm = subprocess.run([jcmd, str(pid), "VM.native_memory", "summary"], capture_output=True, text=True).stdout
        print("\n".join(l for l in nm.splitlines() if "committed=" in l and l.startswith(("Total", "-"))), flush=True)
    print("  heap committed %.1f MB" % (int(m.group(1)) / 1024), flush=True)
    return rss, int(m.group(2)) if m else -1
async def expect(r, prefix):
    while True:
        line = await r.readline()
        if not line: raise EOFError("closed while waiting for " + prefix)
        if line.startswith(prefix.encode()): return line
failed = []
async def open_one(n, sem):
    async with sem:
        if failed: return  # the server is full: stop at what it holds
        u = n % users
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.%d" % (2 + n // 10000), 0), limit=4096), 20)
            await asyncio.wait_for(expect(r, "* OK"), 20)
            w.write(b"a LOGIN user%d@bench.test bench-password-%d\r\nb SELECT INBOX\r\nc IDLE\r\n" % (u, u))
            await asyncio.wait_for(expect(r, "a OK"), 20)
            await asyncio.wait_for(expect(r, "b OK"), 20)
            await asyncio.wait_for(expect(r, "+ "), 20)
            conns.append((n, r, w))
        except (OSError, EOFError, asyncio.TimeoutError) as e:
            failed.append(n)
            if len(failed) <= 3: print("connection %d failed: %r" % (n, e), flush=True)
async def settle():
    await asyncio.sleep(3)
async def main():
    sem = asyncio.Semaphore(64)
    await settle()
    r0, h0 = measure()
    print("connections=0 rss=%.1fMB heap=%.1fMB" % (r0 / 1024, h0 / 1024), flush=True)
    opened = 0
    for cp in checkpoints:
        t = time.time()
        await asyncio.gather(*(open_one(n, sem) for n in range(opened, cp)))
        opened = cp
        await settle()
        r, h = measure()
        if failed:
            print("%d connections failed: stopping here" % len(failed), flush=True)
            cp = len(conns)
        print("connections=%d rss=%.1fMB heap=%.1fMB per-connection: rss=%.2fKB heap=%.2fKB (opened in %.0f s)"
              % (cp, r / 1024, h / 1024, (r - r0) / cp, (h - h0) / cp, time.time() - t), flush=True)
        if failed: return
    if histo:
        dump = "/tmp/twinmail-idle-threads.txt"
        subprocess.run([jcmd, str(pid), "Thread.dump_to_file", "-overwrite", dump], capture_output=True)
        stacks = open(dump).read().split("\n\n")
        idle = [t for t in stacks if "ImapSession" in t]
        print("%d threads with ImapSession on their stack; the first:\n%s" % (len(idle), idle[0] if idle else "-"), flush=True)
        out = subprocess.run([jcmd, str(pid), "GC.class_histogram"], capture_output=True, text=True).stdout
        print("\n".join(out.splitlines()[:28]), flush=True)
    # every account gets one more message: every connection must be told while idling
    t = time.time()
    subprocess.run([sys.executable, sys.argv[7], str(smtp_port), str(users), "1"], check=True)
    async def told(n, r, w):
        await asyncio.wait_for(expect(r, "* 21 EXISTS"), 120)
    await asyncio.gather(*(told(*c) for c in conns))
    print("all %d idle connections saw the new message in %.1f s" % (len(conns), time.time() - t), flush=True)
    async def done(n, r, w):
        async with sem:
            w.write(b"DONE\r\ne LOGOUT\r\n")
            await expect(r, "c OK")
            await expect(r, "e OK")
            w.close()
    await asyncio.gather(*(done(*c) for c in conns))
    print("all %d ended with DONE and LOGOUT" % len(conns), flush=True)
asyncio.run(main())
PY
ulimit -n 20000
python3 "$work/idle.py" "$imap_port" "$users" "$pid" "$java_home/bin/jcmd" "$smtp_port" "$checkpoints" "$work/deliver.py" "${HISTO:-0}" "${NMT:-0}"
