/**
 * Not API (not exported by the module; no compatibility promise on the class path): the bytes of
 * format v1 as {@code docs/FORMAT.md} specifies them — the header codec and its strict CBOR checks,
 * the key id rule, KEK references, the two body algorithms ({@link dev.envelope.core.format.Body}:
 * {@code Cobblestone256Body}, {@code A256GcmBody}, registered in {@code Bodies}), the AEAD
 * constructions they use and their streams. A new body algorithm is one class implementing {@code
 * Body} and one line in {@code Bodies}.
 */
package dev.envelope.core.format;
