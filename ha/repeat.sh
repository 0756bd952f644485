#!/usr/bin/env bash
# ha/repeat.sh N: runs the HA fault suite (HaLabTest on the ha/lab.sh lab, as root) N
# times and prints, per fault, the time from the fault to the first successful SMTP
# transaction through the VIP (median and worst; for a fault that moves the service: the
# first 250 from the node that took over) and the messages sent, acknowledged and found
# over all runs, with missing and duplicated counts, and the IMAP reader's sessions (ok,
# failed) and the messages it found at the end, and where the takeover's time went (median and
# worst per fault and step: detect, claim, fence, mount, open, VIP, to the first 250, from the
# nodes' log lines). Each run's own report and the nodes' logs stay in the directory printed at
# the end. ha/repeat.sh --summary DIR prints the tables again from such a directory.
#   HA_TESTS=...  the tests to run (default: HaLabTest, the whole suite)
#   HA_REPEAT=N   also run kill-9 and switchover N more times per run (HaLabTest's figures test)
# e.g. HA_TESTS='HaLabTest#crashAndSwitchoverRepeatedForTheFigures' HA_REPEAT=5 ha/repeat.sh 1
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --summary ]; then
  out=${2:?usage: ha/repeat.sh --summary DIR}; n=$(ls "$out"/run-*.txt 2>/dev/null | wc -l)
else
n=${1:?usage: ha/repeat.sh N | --summary DIR}
out=$(mktemp -d /tmp/twinmail-ha-repeat.XXXXXX)
echo "reports in $out" >&2
cd "$top"
# Built once, run N times: one Maven build compiles the suite and writes the server module's test class path
# (-am: this tree's modules from the reactor, their target/classes, never jars in ~/.m2 that another build may
# replace while a node is running); each run is then one JVM (HaLabRun, the JUnit launcher) on that class path,
# not a Maven build of the reactor per run (30 s on a quiet machine, minutes on a loaded one). The runs check
# exactly what surefire ran; only surefire's rerun of a failed test is gone (a run reports its first outcome).
echo "building ..." >&2
bin/mvn -q -o -pl server -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/ha-test.cp > "$out/build.log" 2>&1 || { echo "build FAILED (see $out/build.log)" >&2; exit 1; }
java="$("$top/bin/find-jdk")/bin/java"
for i in $(seq 1 "$n"); do
  echo "run $i of $n ..." >&2
  # one lab per machine (the namespace names are global): wait while another run (a CI suite) has it
  flock -w 1800 /run/twinmail-ha-lab.lock true || echo "run $i: the lab stayed busy for 30 min; trying anyway" >&2
  if ! (cd server && "$java" --enable-native-access=ALL-UNNAMED ${HA_REPEAT:+-Dtwinmail.ha.repeat=$HA_REPEAT} \
      -cp "$top/server/target/test-classes:$top/server/target/classes:$(cat target/ha-test.cp)" org.twinmail.server.ha.HaLabRun "${HA_TESTS:-HaLabTest}") \
      > "$out/run-$i.log" 2>&1; then
    echo "run $i FAILED (see $out/run-$i.log)" >&2
  fi
  cp server/target/ha-report.txt "$out/run-$i.txt" 2>/dev/null || true
  for l in server/target/ha-node-*.log; do [ -f "$l" ] && cp "$l" "$out/run-$i.$(basename "$l")"; done
  uptime >> "$out/load.txt"
  rm -f server/target/ha-report.txt
done
fi
python3 - "$out" "$n" <<'PY'
import glob, re, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
line = re.compile(r"HA (\S+)\s+sent\s+(\d+) acked\s+(\d+) lost-replies\s+(\d+) found\s+(\d+) missing (\d+) duplicates (\d+) \(after lost reply (\d+)\) \| fault -> first SMTP 250 via VIP: (.*?) \|")
imap = re.compile(r"IMAP sessions ok (\d+) failed (\d+), .*? found (\d+)")
rows = {}
order = []
for f in sorted(glob.glob(out + "/run-*.txt")):
    for l in open(f):
        m = line.match(l.strip())
        if not m: continue
        name = m.group(1)
        if name not in rows: rows[name] = []; order.append(name)
        t = m.group(9)
        ms = int(t.split()[0]) if t.endswith(" ms") else 0
        i = imap.search(l.strip())
        rows[name].append((ms, *map(int, m.groups()[1:8]), *(map(int, i.groups()) if i else (0, 0, 0))))
print(f"{'fault':<20} {'runs':>4} {'median ms':>9} {'worst ms':>8} {'sent':>6} {'acked':>6} {'found':>6} {'missing':>7} {'dup':>4} {'dup after lost reply':>20} {'imap ok':>7} {'imap fail':>9} {'imap found':>10}")
for name in order:
    r = rows[name]
    times = [x[0] for x in r]
    s = lambda i: sum(x[i] for x in r)
    print(f"{name:<20} {len(r):>4} {statistics.median(times):>9.0f} {max(times):>8} {s(1):>6} {s(2):>6} {s(4):>6} {s(5):>7} {s(6):>4} {s(7):>20} {s(8):>7} {s(9):>9} {s(10):>10}")
print(f"(0 ms: no transaction failed; {n} runs requested; reports in {out})")
split = re.compile(r"split ms: detect (-?\d+), claim (\d+), fence (\d+), mount (\d+), open (\d+), VIP (\d+)(?:, to first 250 (-?\d+))?")
steps = ["detect", "claim", "fence", "mount", "open", "VIP", "to 250"]
splits = {}
for f in sorted(glob.glob(out + "/run-*.txt")):
    for l in open(f):
        m, s = line.match(l.strip()), split.search(l)
        if m and s:
            total = int(m.group(9).split()[0]) if m.group(9).endswith(" ms") else 0
            splits.setdefault(m.group(1), []).append([int(x) if x is not None else 0 for x in s.groups()] + [total])
if splits:
    # where the takeover's time went: each step's median and worst over the runs (the worst of a step
    # and the worst total need not be the same run), from the nodes' own log lines
    print()
    print("takeover split, ms: median / worst over the runs (detect: fault to the taker's TAKEOVER line;")
    print("claim..VIP: from its ACTIVE line; to 250: the rest, the client's next transaction)")
    print(f"{'fault':<20} {'runs':>4} " + " ".join(f"{x:>11}" for x in steps + ["total"]))
    for name in order:
        if name not in splits: continue
        r = splits[name]
        cells = []
        for i in range(len(steps) + 1):
            xs = [x[i] for x in r]
            cells.append(f"{statistics.median(xs):>5.0f} /{max(xs):>5}")
        print(f"{name:<20} {len(r):>4} " + " ".join(f"{c:>11}" for c in cells))
fresh = re.compile(r"new connections \(1 s timeouts\): (?:first 250 (\d+|none)|(\d+) served, (\d+) failed)")
freshes = {}
for f in sorted(glob.glob(out + "/run-*.txt")):
    for l in open(f):
        m, c = line.match(l.strip()), fresh.search(l)
        if m and c: freshes.setdefault(m.group(1), []).append(c.groups())
if freshes:
    # the prober: a new connection every 100 ms with 1 s timeouts, a 250 to RCPT TO; what a client that connects
    # after the fault sees, whatever the sender's connection stuck on the old node waits for
    print()
    print("a client connecting after the fault (a new connection every 100 ms, 1 s timeouts, 250 to RCPT TO):")
    print(f"{'fault':<20} {'runs':>4} {'median ms':>9} {'worst ms':>8}   (no move: probes served / failed)")
    for name in order:
        if name not in freshes: continue
        r = freshes[name]
        if r[0][0] is not None:
            xs = [int(x[0]) for x in r if x[0] != "none"]
            none = sum(1 for x in r if x[0] == "none")
            print(f"{name:<20} {len(r):>4} {statistics.median(xs) if xs else 0:>9.0f} {max(xs) if xs else 0:>8}" + (f"   ({none} runs: none)" if none else ""))
        else:
            print(f"{name:<20} {len(r):>4} {'-':>9} {'-':>8}   {sum(int(x[1]) for x in r)} / {sum(int(x[2]) for x in r)}")
opened = re.compile(r"open ms: store (\d+), search index (\d+), the rest (\d+)")
opens = {}
for f in sorted(glob.glob(out + "/run-*.txt")):
    for l in open(f):
        m, o = line.match(l.strip()), opened.search(l)
        if m and o: opens.setdefault(m.group(1), []).append([int(x) for x in o.groups()])
if opens:
    print()
    print("the open step, ms: median / worst (store: open, recovery, blob sweep, fence; then the full-text index; the rest: listeners, workers)")
    print(f"{'fault':<20} {'runs':>4} " + " ".join(f"{x:>13}" for x in ["store", "search index", "the rest"]))
    for name in order:
        if name not in opens: continue
        r = opens[name]
        print(f"{name:<20} {len(r):>4} " + " ".join(f"{statistics.median(x[i] for x in r):>6.0f} /{max(x[i] for x in r):>5}" for i in range(3)))
PY
