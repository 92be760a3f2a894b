#!/usr/bin/env bash
# Runs the JMH suite side by side with the references, on the default JDK (17) and, when present,
# Temurin 25, then writes jmh/RESULTS.md (tables with ratios to raw JCE measured in the same run),
# the first-second throughput of cold JVMs, and a cold CLI process on a 256 MiB file.
#   jmh/run.sh            full run (~12 min on 2 cores)
#   QUICK=1 jmh/run.sh    1 KiB and 1 MiB only, shorter iterations (~4 min)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$here/results"
mkdir -p "$out"
mvn -B -q -f "$root/pom.xml" -pl jmh,envelope-cli -am -DskipTests package
jar="$here/target/benchmarks.jar"

iterations=(-f 1 -wi 3 -w 1s -i 5 -r 1s)
sizes=()
if [ -n "${QUICK:-}" ]; then
  iterations=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
  sizes=(-p size=1024,1048576)
fi

jdks=("17:$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
for candidate in /usr/lib/jvm/temurin-25*; do
  [ -x "$candidate/bin/java" ] && jdks+=("25:$candidate")
done

files=()
for entry in "${jdks[@]}"; do
  version="${entry%%:*}"; home="${entry#*:}"
  echo "== JDK $version ($home), 1 thread" >&2
  "$home/bin/java" -jar "$jar" "${iterations[@]}" "${sizes[@]}" -t 1 \
    -rf json -rff "$out/jdk$version-t1.json" >"$out/jdk$version-t1.log" 2>&1
  files+=("$out/jdk$version-t1.json")
  echo "== JDK $version, 2 threads (raw JCE and Envelope byte[], 1 KiB and 1 MiB)" >&2
  "$home/bin/java" -jar "$jar" "${iterations[@]}" -p size=1024,1048576 -t 2 \
    'RawJceBenchmark|EnvelopeBenchmark\.(encrypt|decrypt)$' \
    -rf json -rff "$out/jdk$version-t2.json" >"$out/jdk$version-t2.log" 2>&1
  files+=("$out/jdk$version-t2.json")
done

report="$here/RESULTS.md"
tables="$out/tables.md"
java -cp "$jar" dev.envelope.jmh.Report "$tables" "${files[@]}"
{
  echo "# Benchmark results"
  echo
  echo "Measured on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)."
  echo "JMH $(unzip -p "$jar" META-INF/maven/org.openjdk.jmh/jmh-core/pom.properties | grep version= | cut -d= -f2),"
  echo "iterations: ${iterations[*]}. One run per JDK: only ratios within a table compare; the machine is noisy."
  echo
  cat "$tables"
  echo
  echo "### Cold JVM: decrypting one 1 MiB envelope repeatedly from JVM start"
  echo
  echo '```'
  for entry in "${jdks[@]}"; do
    version="${entry%%:*}"; home="${entry#*:}"
    for mode in a256gcm cobblestone; do
      echo "JDK $version $("$home/bin/java" -cp "$jar" dev.envelope.jmh.ColdStart "$mode")"
    done
  done
  echo '```'
  echo
  echo "### Cold CLI process: 256 MiB file through ./envelope (JDK 17, default heap)"
  echo
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  cli=(java -jar "$root/envelope-cli/target/envelope.jar")
  "${cli[@]}" keygen local --out "$tmp/bench.key" >/dev/null
  printf 'version: 1\nkeys:\n  bench:\n    keks: [local://bench]\n' >"$tmp/policy.yaml"
  head -c $((256 << 20)) /dev/urandom >"$tmp/big.bin"
  s=$(date +%s.%N); "${cli[@]}" encrypt -p "$tmp/policy.yaml" -k bench -i "$tmp/big.bin" -o "$tmp/big.env"; e=$(date +%s.%N)
  d1=$(echo "$e - $s" | bc)
  s=$(date +%s.%N); "${cli[@]}" decrypt -p "$tmp/policy.yaml" -i "$tmp/big.env" -o "$tmp/big.out"; e=$(date +%s.%N)
  d2=$(echo "$e - $s" | bc)
  cmp -s "$tmp/big.bin" "$tmp/big.out"
  echo '```'
  printf 'encrypt 256 MiB: %.2f s (%.0f MB/s incl. JVM start)\n' "$d1" "$(echo "268.435456 / $d1" | bc -l)"
  printf 'decrypt 256 MiB: %.2f s (%.0f MB/s incl. JVM start)\n' "$d2" "$(echo "268.435456 / $d2" | bc -l)"
  echo '```'
} >"$report"
echo "wrote $report" >&2
