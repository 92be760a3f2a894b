#!/usr/bin/env bash
# A full KEK rotation across two running "clusters", without a restart and without one failed
# read or write. Each cluster is a process with its own ConfigMap-style policy volume
# (policy.yaml -> ..data/policy.yaml, ..data -> ..TIMESTAMP), which this script updates the way the
# kubelet does: a new timestamped directory, then an atomic swap of the ..data symlink. GitOps
# reaches clusters at different times, so every step lands in cluster A first and in cluster B a
# moment later, and every step is checked with `envelope policy check` before it is published.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/rotation-drill.jar"
cli="$here/../../envelope-cli/target/envelope.jar"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/keys" "$work/store" "$work/git" "$work/volume-a" "$work/volume-b"
old=local://payments-2025
new=local://payments-2026
java -jar "$cli" keygen local --out "$work/keys/payments-2025.key" >/dev/null
java -jar "$cli" keygen local --out "$work/keys/payments-2026.key" >/dev/null
printf 'version: 1\nproviders:\n  local:\n    dir: %s\n' "$work/keys" > "$work/local.yaml"

# The policy's history in Git: one commit per phase.
policy() { # NAME KEKS DECRYPT_ONLY
  printf 'apiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\nmetadata:\n  name: shared-keys\nspec:\n  keys:\n    payments:\n      keks: [%s]\n      decryptOnly: [%s]\n' "$2" "$3" > "$work/git/$1.yaml"
}
policy v1 "$old" ""
policy v2 "$old" "$new"          # phase 1: the new KEK can unwrap everywhere
policy v3 "$new" "$old"          # phase 2: dual read, single write under the new KEK
policy v4 "$new" ""              # phase 4: the old KEK retired
policy jump "$new" ""            # the tempting shortcut from v1

n=0
publish() { # VOLUME VERSION: what the kubelet does for a ConfigMap update
  n=$((n + 1))
  local vol="$work/volume-$1" ts="..2026_12_02_00_00_$(printf %02d $n).$$"
  mkdir "$vol/$ts"
  cp "$work/git/$2.yaml" "$vol/$ts/policy.yaml"
  ln -s "$ts" "$vol/..data_tmp"
  mv -T "$vol/..data_tmp" "$vol/..data"
  [ -L "$vol/policy.yaml" ] || ln -s ..data/policy.yaml "$vol/policy.yaml"
}
generation() { sed -n 's/.*"generation":\([0-9]*\).*/\1/p' "$work/status-$1.json" 2>/dev/null || true; }
await() { # CLUSTER GENERATION
  for _ in $(seq 1 200); do
    [ "$(generation "$1")" = "$2" ] && return 0
    sleep 0.05
  done
  echo "cluster $1 did not reach generation $2" >&2; exit 1
}
check() { echo "\$ envelope policy check $*"; java -jar "$cli" policy check "$@"; }
roll_out() { # VERSION GENERATION: cluster A first, cluster B a second later
  publish a "$1"; await a "$2"; echo "cluster A on $1 (generation $2), cluster B not yet"
  sleep 1
  publish b "$1"; await b "$2"; echo "cluster B on $1 (generation $2)"
  sleep 1
}
inventory() { java -jar "$jar" inventory "$work/git/$1.yaml" "$work/store" "$work/stale.txt"; }

echo "== v1: payments wraps under $old"
check "$work/git/v1.yaml"
publish a v1; publish b v1
for c in a b; do
  peer=$([ $c = a ] && echo b || echo a)
  java -jar "$jar" cluster "$c" "$peer" "$work/volume-$c/policy.yaml" "$work/keys" \
    "$work/store" "$work/status-$c.json" > "$work/out-$c.txt" 2>&1 &
  pids+=($!)
done
await a 1; await b 1
sleep 2

echo "== the shortcut v1 -> jump is refused"
if check --previous "$work/git/v1.yaml" "$work/git/jump.yaml"; then
  echo "an unsafe step passed the check" >&2; exit 1
else
  [ $? -eq 8 ] || { echo "expected exit code 8" >&2; exit 1; }
fi

echo "== phase 1, v2: $new added as decryptOnly"
check --previous "$work/git/v1.yaml" "$work/git/v2.yaml"
roll_out v2 2

echo "== phase 2, v3: $new promoted, $old demoted (A writes under the new KEK while B is on v2)"
check --previous "$work/git/v2.yaml" "$work/git/v3.yaml"
roll_out v3 3

echo "== phase 3: rewrap every stored envelope still under $old"
inventory v3
java -jar "$cli" rewrap -p "$work/git/v3.yaml" -c "$work/local.yaml" $(cat "$work/stale.txt") \
  | tail -1 | sed 's/KEKs: .*/KEKs/' 
inventory v3
[ ! -s "$work/stale.txt" ] || { echo "envelopes are still under $old" >&2; exit 1; }

echo "== phase 4, v4: $old removed"
if check --previous "$work/git/v3.yaml" "$work/git/v4.yaml" >/dev/null; then
  echo "removing a KEK passed without --allow-removal" >&2; exit 1
fi
check --previous "$work/git/v3.yaml" "$work/git/v4.yaml" --allow-removal "$old"
roll_out v4 4

echo "== the end"
for i in 0 1; do kill -0 "${pids[$i]}" || { echo "a cluster process died" >&2; exit 1; }; done
grep -q "\"pid\":${pids[0]}," "$work/status-a.json" && grep -q "\"pid\":${pids[1]}," "$work/status-b.json" \
  || { echo "a cluster was restarted" >&2; exit 1; }
touch "$work/stop"
status=0
for i in 0 1; do wait "${pids[$i]}" || status=1; done
pids=()
cat "$work/out-a.txt" "$work/out-b.txt"
[ $status -eq 0 ] || { echo "a cluster saw a failed read or write" >&2; exit 1; }
grep -q '"failures":0' "$work/status-a.json" && grep -q '"failures":0' "$work/status-b.json"
digest() { sed -n 's/.*"digest":"\([^"]*\)".*/\1/p' "$work/status-$1.json"; }
[ "$(digest a)" = "$(digest b)" ] || { echo "the clusters run different policies" >&2; exit 1; }
inventory v4
if grep -q "payments-2025" <(inventory v4); then echo "an envelope is still under $old" >&2; exit 1; fi
[ ! -s "$work/stale.txt" ]
echo "OK rotation-drill: both clusters on generation 4 ($(digest a)), no restart, no failure"
