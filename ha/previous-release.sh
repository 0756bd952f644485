#!/usr/bin/env bash
# ha/previous-release.sh REV [DIR]: builds the release at git revision REV (the one before an
# upgrade) into DIR (default /tmp/twinmail-release-REV) from a detached git worktree, and prints
# the path of its jar, for the rolling-upgrade test:
#   bin/mvn -q -o -pl server -am test -Dtest=RollingUpgradeTest -Dsurefire.failIfNoSpecifiedTests=false \
#       -Dtwinmail.previous.jar=$(ha/previous-release.sh 119bc3e)
# It never installs anything into ~/.m2 (package only) and reuses DIR if the jar is there.
set -euo pipefail
rev=${1:?usage: ha/previous-release.sh REV [DIR]}
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${2:-/tmp/twinmail-release-$rev}
jar=$dir/server/target/twinmail.jar
if [ ! -f "$jar" ]; then
  [ -d "$dir" ] || git -C "$top" worktree add --detach "$dir" "$rev" >&2
  (cd "$dir" && bin/mvn -q -o -pl server -am package -DskipTests >&2)
fi
[ -f "$jar" ] || { echo "previous-release: no $jar after the build" >&2; exit 1; }
echo "$jar"
