/**
 * KEKs that need no cloud: {@link dev.envelope.core.local.LocalKekProvider} ({@code local://},
 * AES-KWP under a key file) and {@link dev.envelope.core.local.TinkKeysetKekProvider} ({@code
 * tink-keyset://}, a Tink AEAD keyset file). Both are registered on every {@code Envelope}.
 */
@NullMarked
package dev.envelope.core.local;

import org.jspecify.annotations.NullMarked;
