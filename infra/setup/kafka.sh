#!/usr/bin/env bash
# Fetches Apache Kafka (the broker jars of infra/setup/kafka/pom.xml, from Maven Central) into
# .cache/kafka/<version>/libs for infra/kafka_cluster.py, installing Debian's Java 17 runtime and Maven
# first when `java` or `mvn` is missing. A stamp makes the next run instant and offline.
#
#   bash infra/setup/kafka.sh            # the version in the pom
#   bash infra/setup/kafka.sh 4.0.0      # another Kafka version (its own folder)
#
# Any failure ends with exit status 1 and one line on stderr saying why: the suite needs this broker,
# so a machine without it fails `make test` instead of skipping its tests.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pom="$root/infra/setup/kafka/pom.xml"

fail() {
  echo "kafka: $*" >&2
  exit 1
}

[ -f "$pom" ] || fail "$pom is missing"
version=${1:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n 1)}
[ -n "$version" ] || fail "no <kafka.version> in $pom"
dest="$root/.cache/kafka/$version"
stamp="$dest/libs/.complete"
# The stamp holds the pom's checksum: editing the pom (another log4j, say) fetches again.
want="$(sha256sum "$pom" | cut -d' ' -f1) $version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

# The java infra/kafka_cluster.py runs: JAVA_HOME's, else the one on PATH. Kafka 4 needs Java 17 or later.
java_major() {
  local java=java
  [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java="$JAVA_HOME/bin/java"
  command -v "$java" >/dev/null 2>&1 || { echo 0; return; }
  "$java" -version 2>&1 | sed -n -E '1s/.*version "(1\.)?([0-9]+).*/\2/p'
}
missing=()
[ "$(java_major)" -ge 17 ] 2>/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "Java and Maven are needed to fetch and run the broker: please install ${missing[*]}"
  fi
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  # The JRE's postinst needs the man folders that slim images leave out.
  mkdir -p /usr/share/man/man1
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    fail "apt-get could not install ${missing[*]}: $(grep -E '^(E|W):' "$log" | tail -n 1)"
  fi
  rm -f "$log"
  hash -r
  command -v mvn >/dev/null 2>&1 || fail "apt-get installed maven but mvn is not on PATH"
  [ "$(java_major)" -ge 17 ] 2>/dev/null ||
    fail "Kafka $version needs Java 17 or later; java is still $(java_major): set JAVA_HOME to a Java 17"
fi

mkdir -p "$dest" || fail "cannot create $dest"
# One fetch at a time (two `make test` in parallel): the second waits, then finds the stamp.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dest/.lock"
  flock 9
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
  fi
fi
# Fetch into a fresh folder and rename it into place, so a concurrent reader never sees half the jars.
staging=$(mktemp -d "$dest/libs.XXXXXX") || fail "cannot create a folder in $dest"
trap 'rm -rf "$staging"' EXIT
log="$dest/maven.log"
echo "kafka: fetching Apache Kafka $version with Maven (about 43 MB, once)" >&2
# -U: a download that failed earlier (offline then) is tried again rather than remembered as missing.
if ! mvn -q -B -U -Dstyle.color=never -f "$pom" -Dkafka.version="$version" dependency:copy-dependencies \
  -DoutputDirectory="$staging" -DincludeScope=runtime >"$log" 2>&1; then
  reason=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -m 1 -E '^\[ERROR\] .' |
    sed -E 's/^\[ERROR\] *//; s/^Failed to execute goal [^:]*: //; s/Could not resolve dependencies for project [^:]*:[^:]*:[^:]*:[^:]*: //; s/ -> \[Help [0-9]+\]$//' | cut -c1-240)
  fail "Maven could not fetch Apache Kafka $version (${reason:-see $log}); full log: $log"
fi
ls "$staging"/kafka_2.13-"$version".jar >/dev/null 2>&1 || fail "Maven finished but kafka_2.13-$version.jar is not in $staging"
chmod 755 "$staging"
echo "$want" >"$staging/.complete"
rm -rf "$dest/libs"
mv "$staging" "$dest/libs" || fail "cannot move the jars to $dest/libs"
trap - EXIT
rm -f "$log"
echo "kafka: Apache Kafka $version in $dest/libs" >&2
