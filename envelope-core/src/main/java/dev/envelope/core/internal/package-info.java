/**
 * Not API (not exported by the module; no compatibility promise on the class path): what stands
 * behind the facade. {@code Engine} holds it together per facade: the KEK registry and its health
 * check, the provider table, the data key caches ({@code EncryptKeyCache}, {@code DecryptKeyCache},
 * {@code HeaderCache}), wrapping ({@code Wrapper}) and finding the data key of an envelope ({@code
 * Unwrapper}), and one class per operation ({@code Encryptor}, {@code Decryptor}, {@code
 * Rewrapper}, {@code Inspector}). A new operation is a class here that {@code Engine} builds and
 * the facade calls.
 */
package dev.envelope.core.internal;
