#!/usr/bin/env bash
# Starts the notes service with a local KEK made by the CLI, stores a note, reads it back, checks
# that only an envelope is stored and that another user is refused, and that health is UP.
set -euo pipefail
cd "$(dirname "$0")"
app="$PWD/target/spring-boot-app.jar"
cli="$PWD/../../envelope-cli/target/envelope.jar"
work=$(mktemp -d)
pid=""
cleanup() {
  local rc=$?
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true   # the service's own exit status (143 after the kill) is not ours
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

mkdir -p "$work/config/keys"
java -jar "$cli" keygen local --out "$work/config/keys/notes-dev.key" >/dev/null
printf 'version: 1\nkeys:\n  notes:\n    keks: [local://notes-dev]\n' > "$work/config/policy.yaml"
printf 'version: 1\nproviders:\n  local:\n    dir: %s\n' "$work/config/keys" > "$work/config/local.yaml"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)))
ops_password=$(head -c 18 /dev/urandom | base64)
ENVELOPE_HOME="$work/config" OPS_PASSWORD="$ops_password" java -jar "$app" --server.port="$port" --server.address=127.0.0.1 \
  > "$work/app.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 90); do
  curl -fs "$base/actuator/health" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/app.log"; exit 1; }
  sleep 1
done

id=$(curl -fs -X POST -H 'X-User: ada' -H 'Content-Type: text/plain' --data 'buy milk' "$base/notes" \
  | sed -E 's/.*"id":"([^"]+)".*/\1/')
note=$(curl -fs -H 'X-User: ada' "$base/notes/$id")
echo "ada reads note $id: $note"
[ "$note" = "buy milk" ]

stored=$(curl -fs "$base/notes/$id/stored")
echo "stored: $(cut -c1-160 <<<"$stored")…"
grep -q '"logicalKey":"notes"' <<<"$stored"
if grep -q 'buy milk' <<<"$stored"; then echo "plaintext stored!" >&2; exit 1; fi

status=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-User: eve' "$base/notes/$id")
echo "eve reads it: HTTP $status"
[ "$status" = "403" ]

health=$(curl -fs "$base/actuator/health")
echo "health: $(cut -c1-200 <<<"$health")…"
grep -q '"envelope":{"status":"UP"' <<<"$health"
curl -fs -u "ops:$ops_password" "$base/actuator/metrics/envelope.operations" \
  | grep -q '"name":"envelope.operations"'

# The envelope endpoint: exposed, but its per-KEK details only for the OPS role.
status=$(curl -s -o /dev/null -w '%{http_code}' "$base/actuator/envelope")
echo "envelope endpoint without credentials: HTTP $status"
[ "$status" = "401" ]
report=$(curl -fs -u "ops:$ops_password" "$base/actuator/envelope")
echo "envelope endpoint as ops: $(cut -c1-300 <<<"$report")…"
grep -q '"verdict":"healthy"' <<<"$report"
grep -q '"uri":"local://notes-dev","providerPresent":true' <<<"$report"
grep -q '"canUnwrap":true' <<<"$report"
if grep -q -- "$ops_password" "$work/app.log"; then echo "password logged!" >&2; exit 1; fi
# The audit trail: JSON lines under the envelope.audit logger, one per KEK call.
grep -q 'envelope.audit.*{"event":"kek-call"' "$work/app.log"
echo "audit: $(grep -m1 -o '{"event":"kek-call"[^}]*}' "$work/app.log")"
echo "OK spring-boot-app"
