/**
 * The plug-in interface for key-encryption keys: {@link dev.envelope.core.spi.KekProvider} opens a
 * {@link dev.envelope.core.spi.Kek} for a policy URI; {@link dev.envelope.core.spi.SecretBytes}
 * carries data keys between the core and a KEK.
 */
@NullMarked
package dev.envelope.core.spi;

import org.jspecify.annotations.NullMarked;
