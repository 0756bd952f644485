#!/usr/bin/env bash
# Measures, on this machine: start-up time and idle RSS of a fresh node, then the
# rate of accepted SMTP messages with N concurrent senders (default 20, 5 KB
# messages, fsync on: the store's defaults), all on loopback. Prints one summary.
#   bench/scripts/smtp-accept-rate.sh [connections] [seconds] [size-bytes]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
conns=${1:-20}; secs=${2:-30}; size=${3:-5120}; users=100
work=$(mktemp -d /tmp/twinmail-bench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
(cd "$top" && bin/mvn -q -DskipTests -pl server,bench -am package >/dev/null)
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
# one address carries the whole load: exempt it from the per-client connection limits
limits: { exemptNetworks: ["127.0.0.0/8"] }
YAML
admin() { "$java_home/bin/java" -jar "$top/server/target/twinmail.jar" admin --config "$work/twinmail.yaml" "$@" >/dev/null; }
admin domain add bench.test
t0=$(date +%s%N)
"$java_home/bin/java" -Xmx512m -jar "$top/server/target/twinmail.jar" serve --config "$work/twinmail.yaml" > "$work/server.log" 2>&1 &
pid=$!
until grep -q "TwinMail ready" "$work/server.log"; do sleep 0.02; kill -0 $pid || { cat "$work/server.log"; exit 1; }; done
t1=$(date +%s%N)
echo "start-up: $(( (t1 - t0) / 1000000 )) ms to 'ready' ($(grep -o 'ready in [0-9]* ms' "$work/server.log" | head -1) inside the JVM)"
sleep 5
echo "idle RSS: $(( $(ps -o rss= -p $pid) / 1024 )) MiB (heap limit -Xmx512m)"
port=$(grep -o 'SMTP 127.0.0.1:[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
# Provision through the running server's admin API (one JVM per CLI call would dominate).
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/data/run/admin.json")
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/data/run/admin.json")
for i in $(seq 0 $((users-1))); do
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"address\":\"user$i@bench.test\",\"password\":\"bench-password-$i\"}" "$url/api/admin/users"
done
"$java_home/bin/java" -cp "$top/bench/target/twinmail-bench-0.1.0-SNAPSHOT.jar" org.twinmail.bench.SmtpLoad \
  --port "$port" --connections "$conns" --duration "$secs" --size "$size" --users "$users" --rcpt 'user%d@bench.test'
echo "RSS after load: $(( $(ps -o rss= -p $pid) / 1024 )) MiB"
# Every accepted message must be in a mailbox (the count includes the warm-up's messages).
stored=$(curl -sf -H "Authorization: Bearer $token" "$url/api/admin/users?domain=bench.test" \
  | python3 -c 'import json,sys; print(sum(u["messages"] for u in json.load(sys.stdin)))')
echo "stored in mailboxes: $stored messages"
