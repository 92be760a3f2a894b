package dev.envelope.core;

import dev.envelope.core.EnvelopeHeader.Recipient;
import dev.envelope.core.EnvelopeInfo.KekStatus;
import dev.envelope.core.EnvelopeInfo.RecipientInfo;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.local.TinkKeysetKekProvider;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import dev.envelope.core.spi.WrapAlgorithm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Envelope encryption under a shared {@link KeyPolicy}: seals a message with a fresh AES-256 data
 * key, wraps that key under every KEK the policy lists for the logical key, and writes one portable
 * envelope ({@code docs/FORMAT.md}) that any cluster sharing the policy can open with any one of
 * those KEKs.
 *
 * <pre>{@code
 * try (Envelope envelope = Envelope.builder()
 *     .policy(KeyPolicy.load(Path.of("/etc/envelope/policy.yaml")))
 *     .localConfig(LocalConfig.load(Path.of("/etc/envelope/local.yaml")))
 *     .build()) {
 *   byte[] sealed = envelope.encrypt("payments", plaintext, Map.of("tenant", "acme"));
 *   byte[] opened = envelope.decrypt(sealed, Map.of("tenant", "acme"));
 * }
 * }</pre>
 *
 * <p><b>Context.</b> Every call takes a context map (use {@code Map.of()} for none). It is stored
 * in the envelope's header, authenticated with the body, and decrypt requires the caller to pass
 * the same map: a record of tenant A can't be served as tenant B's.
 *
 * <p><b>Which KEKs are used.</b> Encrypt wraps under the logical key's {@code keks}; decrypt tries
 * the envelope's recipients that the policy names for that logical key ({@code keks} and {@code
 * decryptOnly}), in the local config's preference order, and falls back to the next on failure.
 * A KEK named only by an envelope is never used.
 *
 * <p><b>Errors.</b> Every failure of the data or the keys is an unchecked {@link
 * EnvelopeException}: {@link MalformedEnvelopeException}, {@link AuthenticationException}, {@link
 * KeyUnavailableException}, {@link InvalidPolicyException}, and {@link EnvelopeClosedException}
 * for a call after {@link #close()} (or in flight when it closed and reaching what close
 * released: such a call either completes or fails with it). A null argument or a context beyond
 * the limits is an {@link IllegalArgumentException}; a failing caller-supplied stream an {@link
 * UncheckedIOException}. Nothing unauthenticated is ever returned.
 *
 * <p>Immutable and thread-safe: build one per application and share it. {@link #close()} zeroes
 * the key material of opened KEKs.
 */
public final class Envelope implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Envelope.class);
  private static final AtomicInteger WRAP_THREADS = new AtomicInteger();

  private final KeyPolicy policy;
  private final EnvelopeLimits limits;
  private final KekRegistry registry;
  private final Counters counters = new Counters();
  private final ExecutorService wrapExecutor;
  private final DecryptKeyCache decryptCache;
  private final Recipients recipients;
  private final EncryptKeyCache encryptCache;
  private final HeaderCache headerCache = new HeaderCache();
  private final EnvelopeObserver observer;
  private volatile boolean closed;

  private Envelope(Builder b, Map<String, KekProvider> providers) {
    validateKekUris(b.policy, providers);
    this.policy = b.policy;
    this.limits = b.limits;
    this.registry = new KekRegistry(providers, b.localConfig);
    this.wrapExecutor = Executors.newCachedThreadPool(task -> {
      Thread t = new Thread(task, "envelope-wrap-" + WRAP_THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.decryptCache = new DecryptKeyCache(
        b.localConfig.decryptCacheEntries(), b.localConfig.decryptCacheTtl(), counters);
    this.observer = new GuardedObserver(b.observer);
    this.recipients = new Recipients(
        registry, b.localConfig, b.limits, counters, decryptCache, wrapExecutor, observer);
    this.encryptCache = new EncryptKeyCache(this::newDataKey, counters);
  }

  /**
   * Lets each registered provider check the URIs of its scheme now (public key size, ARN shape…),
   * so a malformed policy fails at start-up rather than at the first message. URIs of schemes with
   * no provider here are left alone: another cluster may hold them.
   */
  private static void validateKekUris(KeyPolicy policy, Map<String, KekProvider> providers) {
    for (String id : policy.keyIds()) {
      for (String uri : policy.key(id).orElseThrow().allKeks()) {
        KekProvider provider = providers.get(KekUris.scheme(uri));
        if (provider != null) {
          provider.validate(uri);
        }
      }
    }
  }

  /**
   * Checks one KEK from this cluster: wraps a throwaway random data key under {@code
   * logicalKeyId}'s wrap context and unwraps it again. Real KMS calls: a health check should cache
   * the result rather than call this per probe.
   *
   * @throws IllegalArgumentException if the policy does not list {@code kekUri} for the key
   */
  public KekCheck checkKek(String logicalKeyId, String kekUri) {
    return guarded(() -> check(logicalKeyId, kekUri));
  }

  private KekCheck check(String logicalKeyId, String kekUri) {
    requireOpen();
    LogicalKey key = logicalKey(logicalKeyId);
    if (!key.allKeks().contains(kekUri)) {
      throw new IllegalArgumentException("logical key '" + logicalKeyId + "' does not list " + kekUri);
    }
    WrapContext context = new WrapContext(key.id());
    byte[] random = new byte[Cobblestone.KEY_BYTES];
    Randoms.key(random);
    SecretBytes probe = SecretBytes.adopt(random);
    try {
      dev.envelope.core.spi.Kek kek;
      byte[] wrapped;
      try {
        kek = registry.kek(kekUri);
        wrapped = kek.wrap(probe, context);
      } catch (RuntimeException e) {
        return new KekCheck(kekUri, false, false, describe(e));
      }
      try {
        SecretBytes back = kek.unwrap(wrapped, context);
        boolean same = java.security.MessageDigest.isEqual(back.toByteArray(), probe.toByteArray());
        back.destroy();
        return same ? new KekCheck(kekUri, true, true, null)
            : new KekCheck(kekUri, true, false, "the unwrapped key differs from the wrapped one");
      } catch (RuntimeException e) {
        return new KekCheck(kekUri, true, false, describe(e));
      }
    } finally {
      probe.destroy();
    }
  }

  private static String describe(RuntimeException e) {
    return e instanceof EnvelopeException ? e.getClass().getSimpleName() + ": " + e.getMessage()
        : "provider error " + e.getClass().getSimpleName();
  }

  /** Starts building an {@link Envelope}; a key policy is required. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------------------------- encrypt

  /**
   * Seals {@code plaintext} under the logical key {@code logicalKeyId}. Messages up to {@link
   * EnvelopeLimits#maxBufferedBodyBytes()} (16 MiB by default) get the A256GCM body, larger ones
   * Cobblestone-256. The data key is reused within the logical key's {@link DataKeyCacheLimits}.
   *
   * @param logicalKeyId a key of the policy, e.g. {@code payments}
   * @param plaintext the message, up to about 2 GiB (use {@link #encryptingStream} beyond)
   * @param context stored and authenticated; decrypt must pass the same map ({@code Map.of()} for
   *     none)
   * @return the envelope
   * @throws KeyUnavailableException if the policy lacks the key or fewer than {@code minWrap} KEKs
   *     could wrap a new data key
   * @throws IllegalArgumentException if an argument is null or the context exceeds the limits
   */
  public byte[] encrypt(String logicalKeyId, byte[] plaintext, Map<String, String> context) {
    long start = System.nanoTime();
    try {
      byte[] sealed = guarded(() -> encryptUnobserved(logicalKeyId, plaintext, context));
      observer.operation(EnvelopeObserver.Operation.ENCRYPT, logicalKeyId, plaintext.length,
          System.nanoTime() - start, null);
      return sealed;
    } catch (EnvelopeException e) {
      observer.operation(EnvelopeObserver.Operation.ENCRYPT, logicalKeyId,
          plaintext == null ? 0 : plaintext.length, System.nanoTime() - start, e);
      throw e;
    }
  }

  private byte[] encryptUnobserved(String logicalKeyId, byte[] plaintext, Map<String, String> context) {
    requireArgument(plaintext, "plaintext");
    requireOpen();
    LogicalKey key = logicalKey(logicalKeyId);
    requireArgument(context, "context (pass Map.of() for none)");
    boolean gcm = limits.maxBufferedBodyBytes() > 0 && plaintext.length <= limits.maxBufferedBodyBytes();
    DataKey dataKey = encryptCache.acquire(key, plaintext.length);
    try {
      BodyAlgorithm algorithm = gcm ? BodyAlgorithm.A256GCM : BodyAlgorithm.COBBLESTONE_256;
      byte[] authenticated = dataKey.header(algorithm, context, () -> authenticatedHeader(
          algorithm, key.id(), HeaderCodec.checkedContext(context, limits),
          gcm ? dataKey.gcm.commitment() : null));
      long body = gcm ? plaintext.length + (long) Gcm.OVERHEAD : Cobblestone.bodyLength(plaintext.length);
      long total = authenticated.length + dataKey.recipients.length + body;
      if (total > Integer.MAX_VALUE - 64) {
        throw new IllegalArgumentException("a plaintext of " + plaintext.length
            + " bytes is too large for the byte[] API; use encryptingStream");
      }
      byte[] out = new byte[(int) total];
      System.arraycopy(authenticated, 0, out, 0, authenticated.length);
      System.arraycopy(dataKey.recipients, 0, out, authenticated.length, dataKey.recipients.length);
      int bodyAt = authenticated.length + dataKey.recipients.length;
      if (gcm) {
        byte[] nonce = new byte[Gcm.NONCE_BYTES];
        Randoms.publicValue(nonce);
        Gcm.seal(dataKey.gcm.key(), nonce, authenticated, plaintext, out, bodyAt);
      } else {
        byte[] salt = new byte[Cobblestone.SALT_BYTES];
        Randoms.publicValue(salt);
        Cobblestone.encryptInto(dataKey.prf, salt, authenticated, plaintext, out, bodyAt);
      }
      return out;
    } finally {
      dataKey.release();
    }
  }

  /**
   * Returns a stream that seals what is written to it into {@code sink}, always with
   * Cobblestone-256. It holds one 16 KiB chunk in memory, whatever the size of the message; the
   * envelope is complete only after {@link OutputStream#close()}, which also closes {@code sink}.
   * The header is written before this method returns. The stream counts each chunk against the data key's
   * {@code maxBytes} as it seals it; see {@link DataKeyCacheLimits} for how far a stream may take
   * a data key past that limit. The stream owns its state: it may be written and closed by
   * another thread than the one that created it (one thread at a time).
   *
   * @throws KeyUnavailableException as {@link #encrypt}
   * @throws UncheckedIOException if writing the header to {@code sink} fails
   */
  public OutputStream encryptingStream(
      String logicalKeyId, OutputStream sink, Map<String, String> context) {
    requireArgument(sink, "sink");
    return guarded(() -> openEncryptingStream(logicalKeyId, sink, context));
  }

  private OutputStream openEncryptingStream(
      String logicalKeyId, OutputStream sink, Map<String, String> context) {
    requireOpen();
    LogicalKey key = logicalKey(logicalKeyId);
    SortedMap<String, String> ctx = HeaderCodec.checkedContext(context, limits);
    DataKey dataKey = encryptCache.acquire(key, 0);
    try {
      byte[] authenticated = authenticatedHeader(BodyAlgorithm.COBBLESTONE_256, key.id(), ctx, null);
      byte[] salt = new byte[Cobblestone.SALT_BYTES];
      Randoms.publicValue(salt);
      Cobblestone.MessageKeys keys = Cobblestone.derive(dataKey.prf, salt, authenticated);
      sink.write(authenticated);
      sink.write(dataKey.recipients);
      sink.write(salt);
      sink.write(keys.commitment);
      return new EncryptingOutputStream(sink, keys, dataKey::addBytes);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the envelope header failed", e);
    } finally {
      dataKey.release();
    }
  }

  private byte[] authenticatedHeader(
      BodyAlgorithm algorithm, String keyId, SortedMap<String, String> ctx, byte[] commitment) {
    byte[] authenticated = HeaderCodec.encodeAuthenticated(algorithm, keyId, ctx, commitment);
    if (authenticated.length - HeaderCodec.PREFIX_BYTES > limits.maxProtectedHeaderBytes()) {
      throw new IllegalArgumentException("the key id and context need "
          + (authenticated.length - HeaderCodec.PREFIX_BYTES) + " header bytes; at most "
          + limits.maxProtectedHeaderBytes() + " allowed (EnvelopeLimits.maxProtectedHeaderBytes)");
    }
    return authenticated;
  }

  /** A new data key, wrapped under every KEK of the logical key (called by the encrypt cache). */
  private DataKey newDataKey(LogicalKey key) {
    byte[] dek = new byte[Cobblestone.KEY_BYTES];
    Randoms.key(dek);
    SecretBytes dataKey = SecretBytes.adopt(dek);
    try {
      return DataKey.forEncryption(dataKey, recipients.wrapAll(key, dataKey), key.dataKeyCache());
    } catch (RuntimeException e) {
      dataKey.destroy();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------- decrypt

  /**
   * Opens an envelope sealed under a logical key of this policy.
   *
   * @param envelope the bytes {@link #encrypt} returned
   * @param context the context it was sealed with
   * @return the plaintext
   * @throws MalformedEnvelopeException if the bytes are not a readable envelope
   * @throws AuthenticationException if the context differs or anything was altered or truncated
   * @throws KeyUnavailableException if no recipient's KEK is allowed here or could unwrap
   */
  public byte[] decrypt(byte[] envelope, Map<String, String> context) {
    long start = System.nanoTime();
    String[] logicalKeyId = new String[1];
    try {
      byte[] plaintext = guarded(() -> decryptUnobserved(envelope, context, logicalKeyId));
      observer.operation(EnvelopeObserver.Operation.DECRYPT, logicalKeyId[0], plaintext.length,
          System.nanoTime() - start, null);
      return plaintext;
    } catch (EnvelopeException e) {
      observer.operation(EnvelopeObserver.Operation.DECRYPT, logicalKeyId[0], 0,
          System.nanoTime() - start, e);
      throw e;
    }
  }

  private byte[] decryptUnobserved(byte[] envelope, Map<String, String> context,
      String[] logicalKeyId) {
    requireArgument(envelope, "envelope");
    requireOpen();
    EnvelopeHeader header = HeaderCodec.parse(envelope, limits, headerCache);
    // Only a key of the policy is reported: an envelope's own id could be anything (metric tags).
    logicalKeyId[0] = policy.key(header.logicalKeyId).map(LogicalKey::id).orElse(null);
    checkContext(header, context);
    LogicalKey key = logicalKeyOf(header);
    int bodyLength = envelope.length - header.length;
    if (header.algorithm == BodyAlgorithm.A256GCM) {
      Recipients.Opened<Boolean> opened = open(key, header, gcmCheck(header));
      try {
        return Gcm.open(opened.dataKey().gcm.key(), header.authenticated, envelope, header.length,
            bodyLength);
      } finally {
        opened.dataKey().release();
      }
    }
    if (bodyLength < Cobblestone.PREFIX_BYTES) {
      throw truncatedBody();
    }
    Recipients.Opened<Cobblestone.MessageKeys> opened = open(key, header,
        dk -> Cobblestone.deriveAndCheck(dk.prf, header.authenticated, envelope, header.length));
    opened.dataKey().release();
    return Cobblestone.decryptChunks(opened.value(), envelope, header.length, bodyLength);
  }

  /**
   * The data key of a parsed envelope, leased: the one that last opened this very header if it is
   * still cached and passes {@code check}, else found through the recipients.
   */
  private <T> Recipients.Opened<T> open(
      LogicalKey key, EnvelopeHeader header, Function<DataKey, T> check) {
    DataKey memo = header.opener;
    if (memo != null && memo.lease()) {
      T value = check.apply(memo);
      if (value != null) {
        counters.decryptHits.increment();
        return new Recipients.Opened<>(memo, value);
      }
      memo.release();
    }
    Recipients.Opened<T> opened = recipients.unlock(key, header, check);
    header.opener = opened.dataKey();
    return opened;
  }

  /**
   * Returns a stream of the plaintext of the envelope read from {@code source}. The header is read
   * and the data key unwrapped before this method returns. A Cobblestone-256 body is then opened
   * chunk by chunk, each 16 KiB chunk released only after it authenticated; an A256GCM body (at
   * most {@link EnvelopeLimits#maxBufferedBodyBytes()}) is read and authenticated whole first.
   * End-of-stream is reported only after everything authenticated, so a truncated envelope always
   * ends in an {@link AuthenticationException} thrown from {@code read}. Closing the stream closes
   * {@code source}. The stream owns its state: it may be read by another thread than the one that
   * created it (one thread at a time).
   *
   * @throws EnvelopeException as {@link #decrypt}: here for the header and the data key, from
   *     {@code read} for the body
   * @throws UncheckedIOException if reading the header fails
   */
  public InputStream decryptingStream(InputStream source, Map<String, String> context) {
    requireArgument(source, "source");
    return guarded(() -> openDecryptingStream(source, context));
  }

  private InputStream openDecryptingStream(InputStream source, Map<String, String> context) {
    requireOpen();
    try {
      EnvelopeHeader header = HeaderCodec.read(source, limits, headerCache);
      checkContext(header, context);
      LogicalKey key = logicalKeyOf(header);
      if (header.algorithm == BodyAlgorithm.A256GCM) {
        byte[] body = readBufferedBody(source);
        Recipients.Opened<Boolean> opened = open(key, header, gcmCheck(header));
        byte[] plaintext;
        try {
          plaintext = Gcm.open(opened.dataKey().gcm.key(), header.authenticated, body, 0, body.length);
        } finally {
          opened.dataKey().release();
        }
        return new java.io.FilterInputStream(new java.io.ByteArrayInputStream(plaintext)) {
          @Override
          public void close() throws IOException {
            Arrays.fill(plaintext, (byte) 0);
            source.close();
          }
        };
      }
      byte[] prefix = source.readNBytes(Cobblestone.PREFIX_BYTES);
      if (prefix.length < Cobblestone.PREFIX_BYTES) {
        throw truncatedBody();
      }
      Recipients.Opened<Cobblestone.MessageKeys> opened = open(key, header,
          dk -> Cobblestone.deriveAndCheck(dk.prf, header.authenticated, prefix, 0));
      opened.dataKey().release();
      return new DecryptingInputStream(source, opened.value());
    } catch (IOException e) {
      throw new UncheckedIOException("reading the envelope failed", e);
    }
  }

  /**
   * Reads a whole A256GCM body from a stream, at most {@link EnvelopeLimits#maxBufferedBodyBytes()}
   * of plaintext (FORMAT.md §6): AES-GCM releases nothing before its tag, so a stream must hold it.
   */
  private byte[] readBufferedBody(InputStream source) throws IOException {
    int max = limits.maxBufferedBodyBytes() + Gcm.OVERHEAD;
    byte[] body = source.readNBytes(max + 1);
    if (body.length > max) {
      throw new MalformedEnvelopeException("the a256gcm body exceeds "
          + limits.maxBufferedBodyBytes() + " bytes of plaintext, which a stream buffers at"
          + " most (EnvelopeLimits.maxBufferedBodyBytes); decrypt it with the byte[] API or"
          + " raise the limit");
    }
    return body;
  }

  /** The A256GCM commitment check: the header's value against the data key's, constant time. */
  private static Function<DataKey, Boolean> gcmCheck(EnvelopeHeader header) {
    return dk -> Gcm.commitmentMatches(dk.gcm.commitment(), header.commitment) ? Boolean.TRUE : null;
  }

  /**
   * A body cut before its salt and commitment end. An authentication failure, like any other cut
   * after the header (FORMAT.md §7): the header parsed, so the bytes are an envelope that was
   * truncated, not something that is not an envelope.
   */
  private static AuthenticationException truncatedBody() {
    return new AuthenticationException("the envelope is truncated: its body is shorter than"
        + " the 56-byte salt and key commitment");
  }

  // ---------------------------------------------------------------------------------- rewrap

  /**
   * Re-wraps an envelope's data key under the policy's current {@code keks}, dropping every other
   * recipient (such as {@code decryptOnly} KEKs). The protected header and the body are copied byte
   * for byte.
   *
   * <p>Before any new wrap is made, the whole envelope is authenticated exactly as {@link #decrypt}
   * would with the context stored in it: the header and every byte of the body must verify under
   * the data key (the plaintext is discarded, never returned). A data key is therefore never
   * wrapped under new KEKs on the word of a header it does not authenticate — an envelope whose
   * key id was changed to another logical key's cannot move its data key to that key's KEKs.
   *
   * @throws EnvelopeException as {@link #decrypt}, and as {@link #encrypt} for the new wraps
   */
  public byte[] rewrap(byte[] envelope) {
    requireArgument(envelope, "envelope");
    return guarded(() -> {
      requireOpen();
      EnvelopeHeader header = HeaderCodec.parse(envelope, limits);
      LogicalKey key = logicalKeyOf(header);
      int bodyLength = envelope.length - header.length;
      DataKey dataKey = authenticated(key, header, envelope, header.length, bodyLength);
      byte[] newRecipients;
      try {
        newRecipients = recipients.wrapAll(key, dataKey.dek);
      } finally {
        dataKey.release();
      }
      byte[] out = new byte[header.authenticated.length + newRecipients.length + bodyLength];
      System.arraycopy(header.authenticated, 0, out, 0, header.authenticated.length);
      System.arraycopy(newRecipients, 0, out, header.authenticated.length, newRecipients.length);
      System.arraycopy(envelope, header.length, out,
          header.authenticated.length + newRecipients.length, bodyLength);
      return out;
    });
  }

  /**
   * As {@link #rewrap(byte[])}, for envelopes of any size: reads {@code source} and writes the
   * rewrapped envelope to {@code sink}. An A256GCM body (at most {@link
   * EnvelopeLimits#maxBufferedBodyBytes()}) is read and authenticated before anything is written;
   * a Cobblestone-256 body is authenticated chunk by chunk as it is copied, each chunk written only
   * after it verified. If this method throws, what it wrote to {@code sink} is not an envelope:
   * write to a temporary file and keep it only on success. Neither stream is closed.
   *
   * @throws UncheckedIOException if reading or writing fails
   */
  public void rewrap(InputStream source, OutputStream sink) {
    requireArgument(source, "source");
    requireArgument(sink, "sink");
    guarded(() -> {
      requireOpen();
      try {
        EnvelopeHeader header = HeaderCodec.read(source, limits);
        LogicalKey key = logicalKeyOf(header);
        if (header.algorithm == BodyAlgorithm.A256GCM) {
          byte[] body = readBufferedBody(source);
          DataKey dataKey = authenticated(key, header, body, 0, body.length);
          try {
            writeRewrapped(sink, header, recipients.wrapAll(key, dataKey.dek), body);
          } finally {
            dataKey.release();
          }
          return null;
        }
        byte[] prefix = source.readNBytes(Cobblestone.PREFIX_BYTES);
        if (prefix.length < Cobblestone.PREFIX_BYTES) {
          throw truncatedBody();
        }
        Recipients.Opened<Cobblestone.MessageKeys> opened = recipients.unlock(key, header,
            dk -> Cobblestone.deriveAndCheck(dk.prf, header.authenticated, prefix, 0));
        try {
          writeRewrapped(sink, header, recipients.wrapAll(key, opened.dataKey().dek), prefix);
        } finally {
          opened.dataKey().release();
        }
        Cobblestone.copyAuthenticated(opened.value(), source, sink);
        return null;
      } catch (IOException e) {
        throw new UncheckedIOException("rewrapping failed on I/O", e);
      }
    });
  }

  private static void writeRewrapped(OutputStream sink, EnvelopeHeader header, byte[] newRecipients,
      byte[] body) throws IOException {
    sink.write(header.authenticated);
    sink.write(newRecipients);
    sink.write(body);
  }

  /**
   * The data key of a whole envelope whose header and body all verified under it, leased; the
   * plaintext is zeroed unseen.
   */
  private DataKey authenticated(LogicalKey key, EnvelopeHeader header, byte[] bytes, int bodyAt,
      int bodyLength) {
    if (header.algorithm == BodyAlgorithm.A256GCM) {
      Recipients.Opened<Boolean> opened = recipients.unlock(key, header, gcmCheck(header));
      try {
        byte[] plaintext = Gcm.open(opened.dataKey().gcm.key(), header.authenticated, bytes, bodyAt,
            bodyLength);
        Arrays.fill(plaintext, (byte) 0);
        return opened.dataKey();
      } catch (RuntimeException e) {
        opened.dataKey().release();
        throw e;
      }
    }
    if (bodyLength < Cobblestone.PREFIX_BYTES) {
      throw truncatedBody();
    }
    Recipients.Opened<Cobblestone.MessageKeys> opened = recipients.unlock(key, header,
        dk -> Cobblestone.deriveAndCheck(dk.prf, header.authenticated, bytes, bodyAt));
    try {
      Cobblestone.verifyChunks(opened.value(), bytes, bodyAt, bodyLength);
      return opened.dataKey();
    } catch (RuntimeException e) {
      opened.dataKey().release();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------- inspect

  /**
   * Reads an envelope's header without any key. Recipients show their KEK reference only; use
   * {@link #inspect(byte[], KeyPolicy)} to resolve them to URIs.
   *
   * @throws MalformedEnvelopeException if the header is not readable
   */
  public static EnvelopeInfo inspect(byte[] envelope) {
    return inspect(envelope, null);
  }

  /**
   * Reads an envelope's header and resolves its recipients against {@code policy} (which may be
   * null).
   */
  public static EnvelopeInfo inspect(byte[] envelope, KeyPolicy policy) {
    requireArgument(envelope, "envelope");
    EnvelopeHeader header = HeaderCodec.parse(envelope, EnvelopeLimits.DEFAULTS);
    long body = envelope.length - header.length;
    return info(header, body, policy);
  }

  /**
   * Reads only the header from {@code source} (the body is left unread), resolving recipients
   * against {@code policy} (which may be null).
   *
   * @throws UncheckedIOException if reading fails
   */
  public static EnvelopeInfo inspect(InputStream source, KeyPolicy policy) {
    requireArgument(source, "source");
    try {
      return info(HeaderCodec.read(source, EnvelopeLimits.DEFAULTS), -1, policy);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the envelope header failed", e);
    }
  }

  /**
   * Reads the header of the envelope in {@code file}, resolving recipients against {@code policy}
   * (which may be null); the body is not read, its length comes from the file's size.
   *
   * @throws UncheckedIOException if the file cannot be read
   */
  public static EnvelopeInfo inspect(java.nio.file.Path file, KeyPolicy policy) {
    requireArgument(file, "file");
    try (InputStream in = new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(file))) {
      EnvelopeHeader header = HeaderCodec.read(in, EnvelopeLimits.DEFAULTS);
      return info(header, java.nio.file.Files.size(file) - header.length, policy);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file + " failed", e);
    }
  }

  private static EnvelopeInfo info(EnvelopeHeader header, long bodyBytes, KeyPolicy policy) {
    Optional<LogicalKey> key = policy == null ? Optional.empty() : policy.key(header.logicalKeyId);
    List<RecipientInfo> infos = new ArrayList<>();
    for (Recipient r : header.recipients) {
      Optional<String> uri = key.flatMap(k -> k.kekFor(r.kekRef()));
      KekStatus status = policy == null ? KekStatus.UNRESOLVED
          : uri.isEmpty() ? KekStatus.NOT_IN_POLICY
          : key.get().isDecryptOnly(uri.get()) ? KekStatus.DECRYPT_ONLY : KekStatus.ACTIVE;
      infos.add(new RecipientInfo(KekUris.hex(r.kekRef()), uri, status,
          WrapAlgorithm.of(r.wrapAlgorithm()), r.wrappedKey().length));
    }
    long plaintext = bodyBytes < 0 ? -1
        : header.algorithm == BodyAlgorithm.A256GCM
            ? (bodyBytes >= Gcm.OVERHEAD ? bodyBytes - Gcm.OVERHEAD : -1)
            : Cobblestone.plaintextLength(bodyBytes);
    return new EnvelopeInfo(HeaderCodec.FORMAT_VERSION, header.algorithm, header.logicalKeyId,
        header.context, infos, header.length, bodyBytes, plaintext);
  }

  // ---------------------------------------------------------------------------------- misc

  /** The key policy this facade enforces. */
  public KeyPolicy policy() {
    return policy;
  }

  /** The limits applied to envelopes read and written. */
  public EnvelopeLimits limits() {
    return limits;
  }

  /** Counters of cache hits and misses and of calls to each KEK, for metrics. */
  public EnvelopeStats stats() {
    return counters.snapshot();
  }

  /**
   * Drops the cached data keys (zeroed once no message is using them), closes the opened KEKs and
   * zeroes their key material. Later calls fail. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    encryptCache.close();
    decryptCache.close();
    registry.close();
    wrapExecutor.shutdownNow();
  }

  private LogicalKey logicalKey(String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("logical key id must be a non-empty string");
    }
    return policy.key(id).orElseThrow(() -> new KeyUnavailableException(
        "the key policy (" + policy.source() + ") has no logical key '" + id + "'; it has: "
            + String.join(", ", policy.keyIds()), false));
  }

  private LogicalKey logicalKeyOf(EnvelopeHeader header) {
    return policy.key(header.logicalKeyId).orElseThrow(() -> new KeyUnavailableException(
        "the envelope was sealed under logical key '" + header.logicalKeyId + "', which the key"
            + " policy (" + policy.source() + ") does not name", false));
  }

  private void checkContext(EnvelopeHeader header, Map<String, String> context) {
    if (context != null && header.context.equals(context)) {
      return;  // the common case; the stored context was validated when parsed
    }
    SortedMap<String, String> given = HeaderCodec.checkedContext(context, limits);
    if (!given.equals(header.context)) {
      // Name keys only: values may be identifiers a log need not carry.
      throw new AuthenticationException("the context given does not match the one the envelope"
          + " was sealed with (sealed keys " + header.context.keySet() + ", given keys "
          + given.keySet() + (given.keySet().equals(header.context.keySet()) ? ", values differ" : "")
          + ")");
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new EnvelopeClosedException("this Envelope was closed; build a new one");
    }
  }

  /**
   * Runs one public call so that a race with {@link #close()} fails typed: a call in flight when
   * the facade closes may reach a released executor, cache or KEK, whose untyped error becomes an
   * {@link EnvelopeClosedException}. Typed errors and the documented IllegalArgument/UncheckedIO
   * ones pass through as they are.
   */
  private <T> T guarded(java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (EnvelopeException | IllegalArgumentException | UncheckedIOException e) {
      throw e;
    } catch (RuntimeException e) {
      if (closed) {
        throw new EnvelopeClosedException("this Envelope was closed while the call was in flight",
            e);
      }
      throw e;
    }
  }

  private static void requireArgument(Object value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
  }

  @Override
  public String toString() {
    return "Envelope[" + policy + "]";
  }

  /** Builds an {@link Envelope}. Not thread-safe; the result is. */
  public static final class Builder {
    private KeyPolicy policy;
    private LocalConfig localConfig = LocalConfig.empty();
    private EnvelopeLimits limits = EnvelopeLimits.DEFAULTS;
    private final List<KekProvider> explicit = new ArrayList<>();
    private boolean discover;
    private ClassLoader discoveryLoader;
    private EnvelopeObserver observer = EnvelopeObserver.NONE;

    private Builder() {}

    /** The shared key policy (required). */
    public Builder policy(KeyPolicy policy) {
      this.policy = policy;
      return this;
    }

    /** This cluster's settings (default: {@link LocalConfig#empty()}). */
    public Builder localConfig(LocalConfig localConfig) {
      this.localConfig = localConfig == null ? LocalConfig.empty() : localConfig;
      return this;
    }

    /** Limits on envelopes read and written (default: {@link EnvelopeLimits#DEFAULTS}). */
    public Builder limits(EnvelopeLimits limits) {
      this.limits = limits == null ? EnvelopeLimits.DEFAULTS : limits;
      return this;
    }

    /**
     * Registers a KEK provider for its schemes. An explicitly registered provider takes precedence
     * over a built-in or discovered one for the same scheme; two explicit ones for a scheme are an
     * error.
     */
    public Builder provider(KekProvider provider) {
      requireArgument(provider, "provider");
      explicit.add(provider);
      return this;
    }

    /** Receives timings and outcomes for metrics (default: none). */
    public Builder observer(EnvelopeObserver observer) {
      this.observer = observer == null ? EnvelopeObserver.NONE : observer;
      return this;
    }

    /**
     * Also registers the providers found by {@link ServiceLoader} on the class path. Off by
     * default: any jar on the class path could register a provider, and one that claims a scheme
     * would receive data keys to wrap. Two discovered providers for one scheme are an error.
     */
    public Builder discoverProviders() {
      this.discover = true;
      return this;
    }

    /**
     * As {@link #discoverProviders()}, searching {@code classLoader} (an application server's or
     * Spring Boot's) instead of the thread's context class loader.
     */
    public Builder discoverProviders(ClassLoader classLoader) {
      this.discover = true;
      this.discoveryLoader = classLoader;
      return this;
    }

    /**
     * The facade.
     *
     * @throws IllegalStateException if no policy was set or two providers claim one scheme
     */
    public Envelope build() {
      if (policy == null) {
        throw new IllegalStateException("a key policy is required: call policy(KeyPolicy.load(...))");
      }
      Map<String, KekProvider> providers = new LinkedHashMap<>();
      for (KekProvider builtIn : List.of(new LocalKekProvider(), new TinkKeysetKekProvider())) {
        builtIn.schemes().forEach(s -> providers.put(s, builtIn));
      }
      if (discover) {
        Map<String, KekProvider> found = new LinkedHashMap<>();
        ServiceLoader<KekProvider> loader = discoveryLoader == null
            ? ServiceLoader.load(KekProvider.class)
            : ServiceLoader.load(KekProvider.class, discoveryLoader);
        java.util.Iterator<KekProvider> it = loader.iterator();
        while (true) {
          KekProvider p;
          try {
            if (!it.hasNext()) {
              break;
            }
            p = it.next();
          } catch (java.util.ServiceConfigurationError e) {
            // A jar lists a provider its class path cannot load: skip it, the others still work,
            // and a KEK of its scheme fails with "no provider for scheme" when used.
            LOG.warn("Skipping a KEK provider that cannot be loaded: {}", e.getMessage());
            continue;
          }
          claim(found, p, "discovered");
        }
        providers.putAll(found);
      }
      Map<String, KekProvider> chosen = new LinkedHashMap<>();
      for (KekProvider p : explicit) {
        claim(chosen, p, "registered");
      }
      providers.putAll(chosen);
      return new Envelope(this, providers);
    }

    private static void claim(Map<String, KekProvider> map, KekProvider p, String how) {
      for (String scheme : p.schemes()) {
        KekProvider previous = map.putIfAbsent(scheme, p);
        if (previous != null && previous.getClass() != p.getClass()) {
          throw new IllegalStateException("two " + how + " KEK providers claim scheme '" + scheme
              + "': " + previous.getClass().getName() + " and " + p.getClass().getName());
        }
      }
    }
  }
}
