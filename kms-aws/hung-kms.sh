#!/usr/bin/env bash
# Uncached decrypt latency with a hung preferred AWS KMS (loopback fake), circuit breaking off and
# on (HungKmsLatency). Prints the table of jmh/RESULTS.md.   kms-aws/hung-kms.sh [N TIMEOUT_MS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mvn -B -q -f "$here/../pom.xml" -pl kms-aws -am -DskipTests install
mvn -B -q -f "$here/pom.xml" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$here/target/hung.classpath"
cd "$here"
java -cp "target/test-classes:target/classes:$(cat target/hung.classpath)" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=error dev.envelope.kms.aws.HungKmsLatency "$@"
