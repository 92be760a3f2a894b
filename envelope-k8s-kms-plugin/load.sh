#!/usr/bin/env bash
# The plugin's load run (KmsPluginLoad): 1,000 seeds, 10,000 Decrypts at start, steady latency at
# 1 and 16 callers, with a local KEK and the loopback AWS KMS. Prints the README's table.
#   envelope-k8s-kms-plugin/load.sh [SEEDS REPLAY STEADY]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mvn -B -q -f "$here/../pom.xml" -pl envelope-k8s-kms-plugin -am -DskipTests install
mvn -B -q -f "$here/pom.xml" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$here/target/load.classpath"
cd "$here"
java -cp "target/test-classes:target/classes:$(cat target/load.classpath)" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.envelope.kmsplugin.KmsPluginLoad "$@"
