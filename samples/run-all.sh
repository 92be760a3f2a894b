#!/usr/bin/env bash
# Runs every sample after `mvn -B verify` built them; each checks its own output. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")"
for sample in plain-java multi-cluster rotation-drill spring-boot-app; do
  echo "== samples/$sample"
  bash "$sample/run.sh"
done
