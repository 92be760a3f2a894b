package dev.envelope.core;

import org.jspecify.annotations.Nullable;

/**
 * What {@link Envelope#checkKek} found for one KEK from this cluster.
 *
 * @param kekUri the KEK, as in the policy
 * @param canWrap a data key could be wrapped under it here (sealing works)
 * @param canUnwrap it could be unwrapped again here (opening works); false for an asymmetric KEK
 *     whose private key is elsewhere, which is a normal state ("seal only")
 * @param problem why a step failed (a typed error's message, no secrets), or null
 */
public record KekCheck(
    String kekUri, boolean canWrap, boolean canUnwrap, @Nullable String problem) {}
