/**
 * A Kubernetes KMS v2 plugin backed by the key policy: {@link
 * dev.envelope.kmsplugin.KmsPluginCommand} runs it, {@link dev.envelope.kmsplugin.KmsPlugin} is the
 * running server. The generated {@code dev.envelope.kmsplugin.v2} package is the wire contract
 * ({@code src/main/proto/kms_v2.proto}).
 */
@NullMarked
package dev.envelope.kmsplugin;

import org.jspecify.annotations.NullMarked;
