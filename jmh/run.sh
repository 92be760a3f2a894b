#!/usr/bin/env bash
# Runs the JMH suite side by side with the references, on the default JDK (17) and, when present,
# Temurin 25, then writes jmh/RESULTS.md (tables with ratios to raw JCE measured in the same run),
# the first-second throughput of cold JVMs, and a cold CLI process on a 256 MiB file.
#   jmh/run.sh            full run (~12 min on 2 cores)
#   QUICK=1 jmh/run.sh    1 KiB and 1 MiB only, shorter iterations (~4 min)
#   REPORT_ONLY=1 jmh/run.sh   rebuild RESULTS.md from the JSON already in jmh/results
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$here/results"
mkdir -p "$out"
mvn -B -q -f "$root/pom.xml" -pl jmh,envelope-cli -am -DskipTests package
jar="$here/target/benchmarks.jar"

# Small messages warm up in seconds. Large single-shot AES-GCM calls do not: on JDK 17 the GCM
# intrinsics apply only once C2 has compiled the caller, which a 1 MiB doFinal reaches after
# ~10-15 s (see the cold-JVM section), so sizes from 64 KiB on get a 15 s warm-up.
small=(-f 1 -wi 3 -w 1s -i 5 -r 1s)
large=(-f 1 -wi 1 -w 15s -i 3 -r 2s)
small_sizes=64,1024
large_sizes=65536,1048576
if [ -n "${QUICK:-}" ]; then
  small=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
  large=(-f 1 -wi 1 -w 15s -i 2 -r 2s)
  small_sizes=1024
  large_sizes=1048576
fi
scaling='^dev\.envelope\.jmh\.(RawJceBenchmark|EnvelopeBenchmark)\.(encrypt|decrypt)$'

jdks=("17:$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
for candidate in /usr/lib/jvm/temurin-25*; do
  [ -x "$candidate/bin/java" ] && jdks+=("25:$candidate")
done

files=()
run() {  # name, java home, JMH arguments...
  local name="$1" home="$2"
  shift 2
  if [ -z "${REPORT_ONLY:-}" ]; then
    "$home/bin/java" -jar "$jar" "$@" -rf json -rff "$out/$name.json" >"$out/$name.log" 2>&1
  fi
  [ -f "$out/$name.json" ] && files+=("$out/$name.json")
  return 0
}
for entry in "${jdks[@]}"; do
  version="${entry%%:*}"; home="${entry#*:}"
  echo "== JDK $version ($home)" >&2
  # JDK 17 needs far longer than 15 s before a single 1 MiB AES-GCM call is compiled: measure raw
  # JCE at 1 MiB once more after 45 s, so the ratios at 1 MiB compare steady states.
  if [ "$version" = 17 ]; then
    run "jdk$version-t1-raw1mib" "$home" -f 1 -wi 1 -w 45s -i 3 -r 2s \
      -p size=1048576 -t 1 '^dev\.envelope\.jmh\.RawJceBenchmark\.'
  fi
  run "jdk$version-t1-small" "$home" "${small[@]}" -p size=$small_sizes -t 1
  run "jdk$version-t1-large" "$home" "${large[@]}" -p size=$large_sizes -t 1
  run "jdk$version-t2-small" "$home" "${small[@]}" -p size=1024 -t 2 "$scaling"
  run "jdk$version-t2-large" "$home" "${large[@]}" -p size=1048576 -t 2 "$scaling"
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
  echo "Iterations: ${small[*]} (64 B, 1 KiB) and ${large[*]} (64 KiB, 1 MiB). One run per JDK: only ratios within a"
  echo "table compare; the machine is a shared 2-core VM and noisy."
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
