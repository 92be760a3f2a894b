/**
 * Envelope encryption: {@link dev.envelope.core.Envelope} seals and opens portable envelopes under
 * the logical keys of a shared {@link dev.envelope.core.KeyPolicy}. The format is specified in
 * {@code docs/FORMAT.md}.
 *
 * <h2>Packages</h2>
 *
 * <ul>
 *   <li>{@code dev.envelope.core} — the API: the facade, the policy and local config, the value
 *       types and the exceptions.
 *   <li>{@code dev.envelope.core.spi} — for KEK providers: {@code KekProvider}, {@code Kek} and the
 *       helpers every provider shares.
 *   <li>{@code dev.envelope.core.local} — the built-in {@code local://} and {@code tink-keyset://}
 *       KEKs.
 *   <li>{@code dev.envelope.core.audit} — the audit trail: events of every key use and the sink
 *       that receives them.
 *   <li>{@code dev.envelope.core.format} — not API: the bytes of format v1 (header codec, the two
 *       bodies, the AEAD constructions they use).
 *   <li>{@code dev.envelope.core.internal} — not API: everything behind the facade (data key
 *       caches, KEK registry, wrapping and unwrapping, the operations).
 * </ul>
 *
 * <h2>Glossary</h2>
 *
 * One word per idea, in code, messages and documents.
 *
 * <dl>
 *   <dt>logical key
 *   <dd>A name in the key policy ({@code payments}) that maps to KEKs; the envelope's {@code kid}.
 *   <dt>KEK (key-encryption key)
 *   <dd>A key in a KMS, HSM or file, named by a URI in the policy. A provider <em>opens</em> a KEK
 *       (gets a handle to it); a KEK <em>wraps</em> and <em>unwraps</em> data keys.
 *   <dt>data key (DEK)
 *   <dd>The random 32-byte key a message body is encrypted under, reused within the policy's {@code
 *       dataKeyCache} limits. A caller of a cache <em>leases</em> a data key and <em>releases</em>
 *       it; the cache <em>retires</em> it, and it is zeroed after its last release.
 *   <dt>recipient
 *   <dd>One wrapped copy of the data key in an envelope's header: KEK reference, wrap algorithm,
 *       wrapped key (FORMAT.md §3). {@code EnvelopeInfo.RecipientInfo} describes one; the
 *       <em>encoded recipients</em> are the header bytes of them all.
 *   <dt>body
 *   <dd>The encrypted message after the header, in one of the body algorithms (FORMAT.md §4).
 *   <dt>encrypt / decrypt
 *   <dd>Turn a message into an envelope and back; for bodies, the same words. A reader
 *       <em>checks</em> a data key against the envelope's key commitment before it decrypts.
 *   <dt>authenticate
 *   <dd>Verify without releasing anything: what rewrap does to the whole envelope.
 *   <dt>rewrap
 *   <dd>Replace an envelope's recipients with wraps under the policy's current KEKs.
 *   <dt>inspect
 *   <dd>Read a header without any key.
 *   <dt>context
 *   <dd>The caller's string map stored in and authenticated with every envelope.
 * </dl>
 */
@NullMarked
package dev.envelope.core;

import org.jspecify.annotations.NullMarked;
