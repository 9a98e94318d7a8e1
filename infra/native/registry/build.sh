#!/usr/bin/env bash
# Obtain a runnable Apicurio Registry (Confluent-compatible API at /apis/ccompat/v7) from Maven
# Central, with no Docker and no source build.
#
#   bash infra/native/registry/build.sh <cacheDir>
#
# Result, under <cacheDir>/registry/:
#   RUN      one line: absolute path of the jar to start with `java -jar` (what stack.sh reads)
#   CMD      the full example command line (JVM flags, ports)
#   VERSION  the Apicurio version that was unpacked
#   app/     the unpacked Quarkus application (runner jar + lib/)
#
# Apicurio publishes its ready-built Quarkus application as the `all` assembly of
# io.apicurio:apicurio-registry-app (3.0.x: zip with a legacy-jar layout; 3.3.x: tar.gz with the
# fast-jar layout). We only download and unpack it. Default 3.0.9: the newest one that runs on
# Java 17 (3.3.x is compiled for Java 21, class file 65). Override with VIGIL_REGISTRY_VERSION
# (and VIGIL_REGISTRY_SHA256 to pin its archive). Idempotent: does nothing when the same version
# is already unpacked. Maven's output goes to <cacheDir>/registry-build.log.
set -euo pipefail

CACHE="${1:?usage: build.sh <cacheDir>}"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
VERSION="${VIGIL_REGISTRY_VERSION:-3.0.9}"
# 2.8 on purpose: newer versions read the artifact's descriptor, and the parent POM
# io.apicurio:apicurio-registry:3.0.9 is not on Maven Central, so they refuse to copy the zip.
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:2.8"
DEST="$CACHE/registry"
LOG="$CACHE/registry-build.log"

case "$VERSION" in
  3.0.*) EXT=zip ;;
  *) EXT=tar.gz ;;
esac
# sha256 of the archives this script was verified with; another version is taken on Maven's
# own checksum check alone unless VIGIL_REGISTRY_SHA256 is given.
case "$VERSION:$EXT" in
  3.0.9:zip) KNOWN_SHA=8fc13160eaaafeec930a9a93b7e82da1ee8caef3eae29c9ce4b403d80a1523ea ;;
  3.3.3:tar.gz) KNOWN_SHA=8bc6751c76d963734224b01d5e7f84ccb3cb61c87d3bd77c36c35f10a5cbed63 ;;
  *) KNOWN_SHA="" ;;
esac
SHA="${VIGIL_REGISTRY_SHA256:-$KNOWN_SHA}"
STAMP="$DEST/.ok-$VERSION-$EXT"

die() { printf '[registry-build] ERROR: %s\n' "$*" >&2; exit 1; }
say() { printf '[registry-build] %s\n' "$*" >&2; }

print_cmd() {
  cat "$DEST/CMD"
}

if [[ -f "$STAMP" && -f "$DEST/RUN" && -f "$(cat "$DEST/RUN")" ]]; then
  say "Apicurio Registry $VERSION already unpacked in $DEST"
  print_cmd
  exit 0
fi

command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
command -v java >/dev/null || die "java not found (apt-get install openjdk-17-jre-headless)"

WORK="$(mktemp -d "$CACHE/.registry-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

say "fetching io.apicurio:apicurio-registry-app:$VERSION:$EXT:all from Maven Central (log: $LOG)"
# Run from an empty folder so that no pom.xml in the current directory gets involved.
(cd "$WORK" && mvn -B -q -C "$DEP_PLUGIN:copy" \
  -Dartifact="io.apicurio:apicurio-registry-app:$VERSION:$EXT:all" \
  -DoutputDirectory="$WORK/dl" -Dmdep.useBaseVersion=true) >"$LOG" 2>&1 \
  || die "Maven could not fetch io.apicurio:apicurio-registry-app:$VERSION:$EXT:all; see $LOG"

ARCHIVE="$(ls "$WORK"/dl/apicurio-registry-app-"$VERSION"-all."$EXT" 2>/dev/null || true)"
[[ -f "$ARCHIVE" ]] || die "downloaded archive not found in $WORK/dl; see $LOG"
if [[ -n "$SHA" ]]; then
  got="$(sha256sum "$ARCHIVE" | cut -d' ' -f1)"
  [[ "$got" == "$SHA" ]] || die "sha256 mismatch for $(basename "$ARCHIVE"): got $got, want $SHA"
fi

say "unpacking $(basename "$ARCHIVE")"
mkdir -p "$WORK/app"
if [[ "$EXT" == zip ]]; then
  if command -v unzip >/dev/null; then
    unzip -q "$ARCHIVE" -d "$WORK/app" >>"$LOG" 2>&1 || die "unzip failed; see $LOG"
  elif command -v python3 >/dev/null; then
    python3 -m zipfile -e "$ARCHIVE" "$WORK/app" >>"$LOG" 2>&1 || die "unzip (python3) failed; see $LOG"
  else
    (cd "$WORK/app" && jar xf "$ARCHIVE") >>"$LOG" 2>&1 || die "no unzip, python3 or jar to unpack $ARCHIVE"
  fi
else
  tar -xzf "$ARCHIVE" -C "$WORK/app" >>"$LOG" 2>&1 || die "tar failed; see $LOG"
fi

# 3.0.x: apicurio-registry-app-<v>-runner.jar + lib/ (legacy-jar); 3.3.x: quarkus-run.jar (fast-jar).
if [[ -f "$WORK/app/quarkus-run.jar" ]]; then
  JAR_REL="quarkus-run.jar"
else
  JAR_REL="$(cd "$WORK/app" && ls ./*-runner.jar 2>/dev/null | head -1 | sed 's#^\./##')"
fi
[[ -n "$JAR_REL" && -f "$WORK/app/$JAR_REL" ]] || die "no runnable jar in the $EXT archive"

# Swap into place only once everything is there, so a failed run leaves the old tree intact.
rm -rf "$DEST"
mkdir -p "$DEST"
mv "$WORK/app" "$DEST/app"
JAR="$DEST/app/$JAR_REL"
echo "$JAR" >"$DEST/RUN"
echo "$VERSION" >"$DEST/VERSION"

MGMT=""
JAVA_NOTE=""
case "$VERSION" in
  3.0.*) ;;
  *)
    # 3.1+ serve health/metrics on a separate management port (default 9000, the same as
    # ClickHouse's native port), and need Java 21+.
    MGMT=" -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port=9081"
    JAVA_NOTE="# needs Java 21+ (e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java); health is on the management port"
    ;;
esac
{
  [[ -n "$JAVA_NOTE" ]] && echo "$JAVA_NOTE"
  echo "java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=8081$MGMT -Dapicurio.ccompat.use-canonical-hash=true -jar $JAR"
} >"$DEST/CMD"
touch "$STAMP"

say "Apicurio Registry $VERSION ready in $DEST"
print_cmd
