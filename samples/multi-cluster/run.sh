#!/usr/bin/env bash
# Two processes for two clusters: one shared policy, a private key in each, no shared secret.
# Cluster A seals a message for both clusters; cluster B opens it with its own key; cluster A
# cannot open a message sealed for B alone.
set -euo pipefail
cd "$(dirname "$0")"
jar="$PWD/target/multi-cluster.jar"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

uri_a=$(java -jar "$jar" keygen x25519 cluster-a)   # cluster A: a classical HPKE key
uri_b=$(java -jar "$jar" keygen xwing cluster-b)    # cluster B: hybrid post-quantum X-Wing
cat > policy.yaml <<POLICY
version: 1
keys:
  shipments:
    keks:
      - $uri_a
      - $uri_b
POLICY
printf 'version: 1\nkeys:\n  shipments:\n    keks:\n      - %s\n' "$uri_b" > policy-b-only.yaml
printf 'version: 1\nproviders:\n  hpke:\n    dir: %s\n' "$work/cluster-a" > cluster-a.yaml
printf 'version: 1\nproviders:\n  hpke:\n    dir: %s\n' "$work/cluster-b" > cluster-b.yaml
echo "container 7 leaves Rotterdam at 06:00" > message.txt

java -jar "$jar" seal policy.yaml cluster-a.yaml message.txt message.env          # process 1: cluster A
opened=$(java -jar "$jar" open policy.yaml cluster-b.yaml message.env)            # process 2: cluster B
echo "cluster B opened: $opened"
[ "$opened" = "container 7 leaves Rotterdam at 06:00" ]

java -jar "$jar" seal policy-b-only.yaml cluster-a.yaml message.txt for-b.env
if java -jar "$jar" open policy-b-only.yaml cluster-a.yaml for-b.env 2>err.txt; then
  echo "cluster A opened a message sealed only for B" >&2; exit 1
fi
grep -q 'no private key' err.txt
echo "cluster A cannot open what only B may: $(head -c 80 err.txt)…"
echo "OK multi-cluster"
