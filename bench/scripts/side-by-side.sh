#!/usr/bin/env bash
# TwinMail and Postfix + Dovecot, side by side on this machine, in one run: the same
# workloads against both servers, alternating, each bounded in time; prints each
# figure and the ratio. Everything listens on 127.0.0.1 only.
#
#   sudo bench/scripts/side-by-side.sh [users] [seconds-per-workload] [rounds]
#   env: MAXIMUM=1      also search the SPECmail2001 maximum on both (steps of STEP s, default 30)
#        REMOTE_OUT=0.9 share of remote recipients in the SPECmail2001 runs (default 0.9, the
#                       model's; 0 gives both servers an all-local workload)
#        LOAD=1.0       SPECmail2001 load factor (1.0 = users/200 msgs/min)
#        LOADS="0.8 1.0 1.2"  several load factors in turn (the summary shows the last)
#        WORKLOADS="spec pop3 imap smtp"  which workloads to run, in this order
#        ONLY=twinmail  run one side only (ONLY=peer likewise), e.g. for 100,000 users, whose
#                       pre-population takes Postfix + Dovecot about 20 minutes
#        MAX_START=2000 MAX_STEPS=6  with MAXIMUM: the search's first rate (msgs/min) and its
#                       number of steps (it doubles until a step fails, then bisects)
#                       (each step's whole report is kept in /tmp/twinmail-max.log, /tmp/peer-max.log)
#        WARM=1         before the LOADS runs too, log every user in once (see COLD)
#        COLD=1         with MAXIMUM: skip the warm-up (every user logs in once over POP3 before the
#                       search, as on a server that has been running), so the first step pays for
#                       the cold credential cache
#        PROFILE=1      with MAXIMUM: record a JFR profile of TwinMail during the search, print its
#                       hot methods and keep it as /tmp/twinmail-max.jfr
#        BENCH_JAVA_OPTS="..."  JVM options of the load generator (e.g. a JFR recording of it)
#        NO_BUILD=1     use the jars already in server/target and bench/target
#        KEEP=1         leave the peer's configuration and mail under $work for inspection
#
# The peer: Debian's Postfix 3.7 (smtpd on 127.0.0.1:2526, virtual domain, LMTP to
# Dovecot) and Dovecot 2.3 (LMTP into Maildir, POP3 on 127.0.0.1:2111, IMAP on
# 127.0.0.1:2144), both with their durability defaults (Postfix fsyncs the queue file
# before 250; Dovecot's mail_fsync=optimized fsyncs a delivered message before it
# answers LMTP). Installed with apt-get if missing; their system services are not used.
# TwinMail: a fresh node from this tree, -Xmx512m, kernel-chosen loopback ports, started
# as bin/twinmail does for root (-XX:ThreadPriorityPolicy=1: the store writer at nice -5).
#
# Passwords: Dovecot reads {PLAIN} passwords from its passwd-file; TwinMail hashes with
# Argon2id and the node here uses 1 MiB / 1 pass (about 1 ms per login) instead of the
# default 19 MiB / 2 passes, so a login costs about the same on both; say so with any figure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
users=${1:-10000}; secs=${2:-30}; rounds=${3:-1}
load=${LOAD:-1.0}; remote_out=${REMOTE_OUT:-0.9}; step=${STEP:-30}
domain=bench.test; password=bench-password
peer_smtp=2526; peer_pop3=2111; peer_imap=2144; sink_port=2599; dns_port=2553
[ "$(id -u)" = 0 ] || { echo "side-by-side.sh: needs root (it runs Postfix and Dovecot)"; exit 1; }

work=$(mktemp -d /var/tmp/twinmail-side-by-side.XXXXXX)
chmod 755 "$work"
tm_pid=""; peer_up=""; dns_pid=""
cleanup() {
  local rc=$?
  set +e # clean up everything even when one step fails
  [ -n "$tm_pid" ] && kill "$tm_pid" 2>/dev/null && wait "$tm_pid" 2>/dev/null
  [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null
  if [ -n "$peer_up" ]; then
    postfix -c "$work/postfix" stop >/dev/null 2>&1 || true
    doveadm -c "$work/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
  fi
  if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT

# --- install the peer (Debian packages; their init scripts must not start them) ---
pkgs=(postfix dovecot-core dovecot-pop3d dovecot-imapd dovecot-lmtpd dnsmasq-base)
missing=(); for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ss -ltnuH | awk '{print $4}' | grep -Eq ":($peer_smtp|$peer_pop3|$peer_imap|$sink_port|$dns_port)\$"; then
  echo "a port of the peer or the sink ($peer_smtp, $peer_pop3, $peer_imap, $sink_port) is taken: is an earlier run still up?"; exit 1
fi

# --- build the bench and the server ---
[ -n "${NO_BUILD:-}" ] || (cd "$top" && bin/mvn -q -o -DskipTests -pl server,bench -am package >/dev/null)
jdk=$("$top/bin/find-jdk"); java=$jdk/bin/java
bench() { "$java" ${BENCH_JAVA_OPTS:-} -cp "$top/bench/target/twinmail-bench-0.1.0-SNAPSHOT.jar" "$@"; }

# --- the peer's configuration, all under $work ---
mkdir -p "$work/postfix" "$work/dovecot" "$work/mail"
chown mail:mail "$work/mail"
cp /etc/postfix/master.cf "$work/postfix/master.cf"
cat > "$work/postfix/main.cf" <<EOF
compatibility_level = 3.6
myhostname = peer.bench.invalid
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP
virtual_mailbox_domains = $domain
virtual_mailbox_maps = hash:$work/postfix/virtual_mailbox
virtual_transport = lmtp:unix:private/dovecot-lmtp
transport_maps = hash:$work/postfix/transport
message_size_limit = 10240000
maillog_file = $work/postfix.log
EOF
printf 'remote.bench.invalid smtp:[127.0.0.1]:%s\n' "$sink_port" > "$work/postfix/transport"
# TwinMail routes by MX as it would in production: a dnsmasq on loopback answers for the
# remote domain (MX -> sink.bench.invalid -> 127.0.0.1) and relay.port points at the sink.
dnsmasq --keep-in-foreground --port="$dns_port" --listen-address=127.0.0.1 --bind-interfaces \
  --no-resolv --no-hosts --local-ttl=3600 --user=root --pid-file= \
  --auth-server=ns.bench.invalid,127.0.0.1 --auth-zone=bench.invalid --auth-ttl=3600 --mx-host=remote.bench.invalid,sink.bench.invalid,10 \
  --host-record=sink.bench.invalid,127.0.0.1 --log-facility="$work/dnsmasq.log" &
dns_pid=$!
# the smtp listener on 127.0.0.1:$peer_smtp instead of *:25; no chroot (it needs copies of /etc files)
sed -i "s/^smtp      inet/127.0.0.1:$peer_smtp inet/" "$work/postfix/master.cf"
postconf -c "$work/postfix" -F '*/*/chroot = n' >/dev/null
postconf -c "$work/postfix" -e "alternate_config_directories = $work/postfix"

cat > "$work/dovecot/dovecot.conf" <<EOF
protocols = imap pop3 lmtp
listen = 127.0.0.1
base_dir = $work/dovecot/run
log_path = $work/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$work/mail/%d/%n
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
passdb {
  driver = passwd-file
  args = $work/dovecot/users.passwd
}
userdb {
  driver = static
  args = uid=mail gid=mail home=$work/mail/%d/%n
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $peer_imap
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $peer_pop3
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  unix_listener /var/spool/postfix/private/dovecot-lmtp {
    user = postfix
    group = postfix
    mode = 0600
  }
}
EOF

# --- users: the same names and password on both ---
bench org.twinmail.bench.SpecMail --users "$users" --domain "$domain" --password "$password" \
  --passwd-file "$work/dovecot/users.passwd" --setup-only
chmod 644 "$work/dovecot/users.passwd"
awk -F: '{print $1" OK"}' "$work/dovecot/users.passwd" > "$work/postfix/virtual_mailbox"
postmap -c "$work/postfix" "$work/postfix/virtual_mailbox" "$work/postfix/transport"

# --- start both ---
# The bench's clients submit without AUTH, as SPECmail2001's do: TwinMail relays for loopback
# through smtp.relayNetworks as Postfix does through mynetworks.
cat > "$work/twinmail.yaml" <<YAML
hostname: bench.local
dataDir: $work/twinmail
smtp: { listen: ["127.0.0.1:0"], relayNetworks: ["127.0.0.0/8"] }
submission: { listen: ["127.0.0.1:0"], tlsListen: [] }
pop3: { listen: ["127.0.0.1:0"], tlsListen: [] }
imap: { listen: ["127.0.0.1:0"], tlsListen: [] }
http: { listen: ["127.0.0.1:0"], tlsListen: [] }
managesieve: { listen: [] }
auth: { argon2MemoryKiB: 1024, argon2Iterations: 1 }
relay: { port: $sink_port, dns: { servers: ["127.0.0.1:$dns_port"] } }
# one address carries the whole load: exempt it from the per-client connection limits
limits: { exemptNetworks: ["127.0.0.0/8"] }
YAML
"$java" -Xmx512m -XX:ThreadPriorityPolicy=1 -jar "$top/server/target/twinmail.jar" serve --config "$work/twinmail.yaml" > "$work/twinmail.log" 2>&1 &
tm_pid=$!
for i in $(seq 1 300); do grep -q "TwinMail ready" "$work/twinmail.log" && break; kill -0 $tm_pid || { cat "$work/twinmail.log"; exit 1; }; sleep 0.1; done
grep -q "TwinMail ready" "$work/twinmail.log" || { echo "TwinMail did not start in 30 s"; exit 1; }
port_of() { grep -o "$1 127.0.0.1:[0-9]*" "$work/twinmail.log" | head -1 | cut -d: -f2; }
tm_smtp=$(port_of SMTP); tm_pop3=$(port_of POP3); tm_imap=$(port_of IMAP || true)

postfix -c "$work/postfix" start >/dev/null 2>&1
dovecot -c "$work/dovecot/dovecot.conf"
peer_up=1
for i in $(seq 1 100); do
  [ -f /var/spool/postfix/pid/master.pid ] && [ -f "$work/dovecot/run/master.pid" ] && break; sleep 0.1
done
pf_pid=$(tr -d ' ' < /var/spool/postfix/pid/master.pid); dc_pid=$(cat "$work/dovecot/run/master.pid")
# never anything but loopback: every listener of the TwinMail process, and the peer's ports
if ss -ltnpH | grep "pid=$tm_pid," | awk '{print $4}' | grep -Ev '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):'; then
  echo "TwinMail listens beyond loopback (see above): stopping"; exit 1
fi
if ss -ltnH | awk '{print $4}' | grep -Ev '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):' | grep -E ":($peer_smtp|$peer_pop3|$peer_imap|$tm_smtp|$tm_pop3)\$"; then
  echo "a listener is not on loopback: stopping"; exit 1
fi

echo "provisioning $users users on TwinMail (admin REST API) and pre-populating both to steady state"
bench org.twinmail.bench.SpecMail --users "$users" --domain "$domain" --password "$password" \
  --provision-twinmail "$work/twinmail/run/admin.json" --setup-only
[ "${ONLY:-twinmail}" = twinmail ] && bench org.twinmail.bench.SpecMail --users "$users" --domain "$domain" --password "$password" \
  --smtp "127.0.0.1:$tm_smtp" --pop3 "127.0.0.1:$tm_pop3" --prepopulate --setup-only
[ "${ONLY:-peer}" = peer ] && bench org.twinmail.bench.SpecMail --users "$users" --domain "$domain" --password "$password" \
  --smtp "127.0.0.1:$peer_smtp" --pop3 "127.0.0.1:$peer_pop3" --prepopulate --setup-only
drain_peer() { # until Postfix's queue is empty (bounded: 10 minutes)
  for i in $(seq 1 1200); do postqueue -c "$work/postfix" -p 2>/dev/null | grep -q "Mail queue is empty" && return 0; sleep 0.5; done
  echo "Postfix queue not empty after 10 minutes"; return 1
}
drain_peer

tm_stored() { # messages in all TwinMail mailboxes (admin API)
  local url token
  url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/twinmail/run/admin.json")
  token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/twinmail/run/admin.json")
  curl -sf -H "Authorization: Bearer $token" "$url/api/admin/users?domain=$domain" \
    | python3 -c 'import json,sys; print(sum(u["messages"] for u in json.load(sys.stdin)))'
}
peer_stored() { find "$work/mail" -type f -path '*/new/*' -o -type f -path '*/cur/*' | wc -l; }

declare -A result
# SMTP: 20 senders, 5 KB, one local recipient each; the figure is messages in mailboxes per
# second, from the start of the load until the last accepted message is in its mailbox.
smtp_rate() { # name port pids stored-fn wait-fn (TwinMail's 250 means stored; Postfix's means queued)
  local before after accepted t0 t1 out
  before=$($4); t0=$(date +%s.%N)
  out=$(bench org.twinmail.bench.SmtpLoad --port "$2" --connections 20 --size 5120 --duration "$secs" --warmup 0 \
        --users "$users" --rcpt "user%d@$domain")
  echo "  $out"
  accepted=$(grep -o '[0-9]* accepted' <<<"$out" | cut -d' ' -f1)
  # wait until the server says all is delivered (cheap to ask), then count the mailboxes once
  $5
  t1=$(date +%s.%N)
  after=$($4)
  result[$1.smtp]=$(python3 -c "print(f'{$((after - before)) / ($t1 - $t0):.1f}')")
  echo "  $1: $((after - before)) messages in mailboxes in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s = ${result[$1.smtp]}/s"
}
sessions() { # name protocol port pids (IMAP idles 10 ms: the figure is the server's, not the client's think time)
  local out
  out=$(bench org.twinmail.bench.SessionLoad --protocol "$2" "--$2" "127.0.0.1:$3" --users "$users" --domain "$domain" \
        --password "$password" --clients 20 --duration "$secs" --idle-ms 10 --server-pid "$4") || true
  echo "$out" | sed 's/^/  /'
  result[$1.$2]=$(grep -o 'sessions ([0-9.]*/s' <<<"$out" | grep -o '[0-9.]*' || echo 0)
}
spec() { # name smtp pop3 pids [extra...]
  local name=$1 s=$2 p=$3 pids=$4 out l seed=1; shift 4 # each load its own seed: other users, other mailboxes
  if [ -n "${WARM:-}" ]; then
    bench org.twinmail.bench.SpecMail --users "$users" --domain "$domain" --password "$password" --pop3 "127.0.0.1:$p" \
      --warm-logins --setup-only | sed 's/^/  /'
  fi
  for l in ${LOADS:-$load}; do
    out=$(bench org.twinmail.bench.SpecMail --users "$users" --domain "$domain" --password "$password" --load "$l" \
          --remote-out "$remote_out" --sink-port "$sink_port" --smtp "127.0.0.1:$s" --pop3 "127.0.0.1:$p" \
          --duration "$secs" --drain 60 --seed "$seed" --server-pid "$pids" "$@") || true
    seed=$((seed + 1)) # not inside $(...): a subshell's increment is lost
    echo "$out" | sed 's/^/  /'
  done
  result[$name.spec]=$(grep -o 'achieved: [0-9.]*' <<<"$out" | head -1 | cut -d' ' -f2 || true)
  result[$name.qos]=$(grep -o 'QoS: [A-Z]*' <<<"$out" | head -1 | cut -d' ' -f2 || true)
  if [ -n "${MAXIMUM:-}" ]; then
    # where TwinMail's time goes at the maximum: a JFR profile of the whole search
    if [ -z "${COLD:-}" ]; then # separately, so that a profile covers the search only
      bench org.twinmail.bench.SpecMail --users "$users" --domain "$domain" --password "$password" --pop3 "127.0.0.1:$p" \
        --warm-logins --setup-only | sed 's/^/  /'
    fi
    [ -n "${PROFILE:-}" ] && [ "$name" = twinmail ] && "$jdk/bin/jcmd" "$tm_pid" JFR.start name=max settings=profile filename="$work/twinmail-max.jfr" >/dev/null
    out=$(bench org.twinmail.bench.SpecMail --users "$users" --domain "$domain" --password "$password" --rate "${MAX_START:-2000}" \
          --remote-out "$remote_out" --sink-port "$sink_port" --smtp "127.0.0.1:$s" --pop3 "127.0.0.1:$p" \
          --maximum --step "$step" --max-steps "${MAX_STEPS:-6}" --drain 30 --server-pid "$pids") || true
    echo "$out" > "/tmp/$name-max.log" # every step's whole report
    echo "$out" | grep -E '^(step|maximum)|^    FAIL|^  (server|bench)' | sed 's/^/  /'
    if [ -n "${PROFILE:-}" ] && [ "$name" = twinmail ]; then
      "$jdk/bin/jcmd" "$tm_pid" JFR.stop name=max >/dev/null
      "$jdk/bin/jfr" view --width 160 hot-methods "$work/twinmail-max.jfr" | head -40 | sed 's/^/  /'
      cp "$work/twinmail-max.jfr" /tmp/twinmail-max.jfr
    fi
    result[$name.max]=$(grep -o 'maximum with QoS: [0-9]*' <<<"$out" | grep -o '[0-9]*$' || echo 0)
  fi
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "users: $users; ${secs} s per workload; $rounds round(s); TwinMail pid $tm_pid; Postfix master $pf_pid, Dovecot master $dc_pid"
for round in $(seq 1 "$rounds"); do
  # alternate which server goes first, so neither always runs on a warmer machine
  if [ $((round % 2)) = 1 ]; then order="twinmail peer"; else order="peer twinmail"; fi
  # SPECmail2001 first, at the pre-populated steady state; the SMTP load last, as it fills mailboxes
  for w in ${WORKLOADS:-spec pop3 imap smtp}; do
    for srv in $order; do
      [ -n "${ONLY:-}" ] && [ "$srv" != "$ONLY" ] && continue
      echo "== round $round: $w on $srv"
      if [ $srv = twinmail ]; then
        case $w in
          smtp) smtp_rate twinmail "$tm_smtp" "$tm_pid" tm_stored true ;;
          pop3) sessions twinmail pop3 "$tm_pop3" "$tm_pid" ;;
          imap) if [ -n "$tm_imap" ]; then sessions twinmail imap "$tm_imap" "$tm_pid"; else echo "  TwinMail has no IMAP listener yet"; result[twinmail.imap]=n/a; fi ;;
          spec) spec twinmail "$tm_smtp" "$tm_pop3" "$tm_pid" ;;
        esac
      else
        case $w in
          smtp) smtp_rate peer "$peer_smtp" "$pf_pid,$dc_pid" peer_stored drain_peer ;;
          pop3) sessions peer pop3 "$peer_pop3" "$pf_pid,$dc_pid" ;;
          imap) sessions peer imap "$peer_imap" "$pf_pid,$dc_pid" ;;
          spec) spec peer "$peer_smtp" "$peer_pop3" "$pf_pid,$dc_pid"; drain_peer ;;
        esac
      fi
    done
  done
done

ratio() { python3 -c "
a, b = '$1', '$2'
try: print(f'{float(a) / float(b):.2f}x')
except (ValueError, ZeroDivisionError): print('n/a')"; }
echo
echo "== summary (last round): TwinMail vs Postfix + Dovecot"
printf '%-44s %14s %18s %8s\n' "" "TwinMail" "Postfix+Dovecot" "ratio"
printf '%-44s %14s %18s %8s\n' "SMTP msgs/s into mailboxes (20 senders, 5 KB)" "${result[twinmail.smtp]:-}" "${result[peer.smtp]:-}" "$(ratio "${result[twinmail.smtp]:-}" "${result[peer.smtp]:-}")"
printf '%-44s %14s %18s %8s\n' "POP3 sessions/s (20 clients)" "${result[twinmail.pop3]:-}" "${result[peer.pop3]:-}" "$(ratio "${result[twinmail.pop3]:-}" "${result[peer.pop3]:-}")"
printf '%-44s %14s %18s %8s\n' "IMAP sessions/s (20 clients)" "${result[twinmail.imap]:-}" "${result[peer.imap]:-}" "$(ratio "${result[twinmail.imap]:-}" "${result[peer.imap]:-}")"
printf '%-44s %14s %18s %8s\n' "SPECmail2001 $users users, load $load: msgs/min" "${result[twinmail.spec]:-} ${result[twinmail.qos]:-}" "${result[peer.spec]:-} ${result[peer.qos]:-}" ""
[ -n "${MAXIMUM:-}" ] && printf '%-44s %14s %18s %8s\n' "SPECmail2001 maximum with QoS: msgs/min" "${result[twinmail.max]:-}" "${result[peer.max]:-}" "$(ratio "${result[twinmail.max]:-}" "${result[peer.max]:-}")"
printf '%-44s %14s %18s\n' "server memory now (PSS over the process tree)" \
  "$(bench org.twinmail.bench.ServerCost "$tm_pid")" "$(bench org.twinmail.bench.ServerCost "$pf_pid,$dc_pid")"
