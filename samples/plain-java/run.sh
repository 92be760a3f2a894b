#!/usr/bin/env bash
# Runs the plain-Java sample and checks what it prints.
set -euo pipefail
cd "$(dirname "$0")"
out=$(java -jar target/plain-java.jar)
echo "$out"
grep -q '^opened: ship 3 crates to Rotterdam$' <<<"$out"
grep -q '^wrong context refused: AuthenticationException$' <<<"$out"
grep -q "logical key 'orders'" <<<"$out"
echo "OK plain-java"
