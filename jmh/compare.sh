#!/usr/bin/env bash
# Measures benchmark jars built from different commits side by side, in one run, alternating
# them (A B A B ...) so that drift of this noisy machine hits each alike; prints one Markdown table
# of ops/s (mean of the rounds) and the ratio of each jar to the first.
#   jmh/compare.sh NAME=path/to/benchmarks.jar NAME=... [-- JMH selector and options]
# Build a jar of a commit with: git worktree add /tmp/c COMMIT && mvn -q -f /tmp/c -pl jmh -am \
#   -DskipTests package && cp /tmp/c/jmh/target/benchmarks.jar /tmp/COMMIT.jar
set -euo pipefail
jars=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do jars+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
selector=("${@:-^dev\.envelope\.jmh\.EnvelopeBenchmark\.(encrypt|decrypt)$}")
rounds="${ROUNDS:-2}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for round in $(seq 1 "$rounds"); do
  for entry in "${jars[@]}"; do
    name="${entry%%=*}"; jar="${entry#*=}"
    echo "== round $round: $name" >&2
    java -jar "$jar" -f 1 -wi 3 -w 1s -i 5 -r 1s -t 1 -p size=${SIZES:-64,1024} "${selector[@]}" \
      -rf json -rff "$out/$name-$round.json" > "$out/$name-$round.log" 2>&1
  done
done
python3 - "$out" "${jars[@]}" <<'PY'
import json, sys, os, glob, collections
out = sys.argv[1]
names = [e.split('=', 1)[0] for e in sys.argv[2:]]
scores = collections.defaultdict(list)
for name in names:
    for f in sorted(glob.glob(os.path.join(out, name + '-*.json'))):
        for r in json.load(open(f)):
            key = (r['benchmark'].rsplit('.', 1)[1], r['params'].get('size'))
            scores[(name, key)].append(r['primaryMetric']['score'])
keys = sorted({k for (_, k) in scores}, key=lambda k: (k[0], int(k[1] or 0)))
print('| benchmark | size | ' + ' | '.join(names) + ' | ' + ' | '.join(n + '/' + names[0] for n in names[1:]) + ' |')
print('| --- | ---: |' + ' ---: |' * (2 * len(names) - 1))
for k in keys:
    means = [sum(scores[(n, k)]) / len(scores[(n, k)]) for n in names]
    ratios = ['%.2f' % (m / means[0]) for m in means[1:]]
    print('| %s | %s | ' % k + ' | '.join('{:,.0f}'.format(m) for m in means) + ' | ' + ' | '.join(ratios) + ' |')
PY
