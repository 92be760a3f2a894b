package dev.envelope.testing.gcp;

import com.google.cloud.kms.v1.AsymmetricDecryptRequest;
import com.google.cloud.kms.v1.AsymmetricDecryptResponse;
import com.google.cloud.kms.v1.CryptoKeyVersion.CryptoKeyVersionAlgorithm;
import com.google.cloud.kms.v1.DecryptRequest;
import com.google.cloud.kms.v1.DecryptResponse;
import com.google.cloud.kms.v1.EncryptRequest;
import com.google.cloud.kms.v1.EncryptResponse;
import com.google.cloud.kms.v1.GetPublicKeyRequest;
import com.google.cloud.kms.v1.ProtectionLevel;
import com.google.cloud.kms.v1.PublicKey;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code google.cloud.kms.v1.KeyManagementService} as an in-process gRPC server that the real
 * {@code KeyManagementServiceClient} talks to: {@code Encrypt}, {@code Decrypt}, {@code
 * GetPublicKey}, {@code AsymmetricDecrypt}. The generated service base class is not available here,
 * so the methods are bound from the request and response message types with gRPC's {@code
 * ServerCalls}, under their real full method names.
 *
 * <p>It checks what Cloud KMS checks: a bearer token issued by {@link FakeGoogleSts} (the federated
 * token), the key or version exists and is enabled, the principal is allowed, the CRC32C integrity
 * fields, and the additional authenticated data on decrypt; it answers with Cloud KMS's status
 * codes ({@code UNAUTHENTICATED}, {@code PERMISSION_DENIED}, {@code NOT_FOUND}, {@code
 * FAILED_PRECONDITION}, {@code INVALID_ARGUMENT}) and can inject {@code UNAVAILABLE} or hangs.
 */
public final class FakeCloudKms implements AutoCloseable {
  /** One call: the method, the resource, whose token, and the status it ended with. */
  public record Call(String method, String resource, String principal, String status) {}

  private static final String SERVICE = "google.cloud.kms.v1.KeyManagementService";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> PRINCIPAL = Context.key("principal");
  private static final byte[] MAGIC = "FAKEGCP1".getBytes(StandardCharsets.US_ASCII);
  private static final OAEPParameterSpec OAEP_SHA256 =
      new OAEPParameterSpec(
          "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

  private static final class Version {
    final byte[] aes;
    final KeyPair rsa;
    volatile boolean enabled = true;
    volatile boolean destroyScheduled;
    volatile java.time.Instant created = java.time.Instant.now();

    Version(byte[] aes, KeyPair rsa) {
      this.aes = aes;
      this.rsa = rsa;
    }
  }

  private static final class CryptoKey {
    final Map<Integer, Version> versions = new ConcurrentHashMap<>();
    volatile int primary;
    volatile String allowedPrincipalPrefix;
    volatile Duration rotationPeriod; // null: no automatic rotation
    volatile java.time.Instant nextRotationTime;
  }

  private record Fault(Status.Code code, Duration hang) {}

  private final FakeGoogleSts sts;
  private final String name = "fake-cloud-kms-" + UUID.randomUUID();
  private final SecureRandom random = new SecureRandom();
  private final Map<String, CryptoKey> keys = new ConcurrentHashMap<>();
  private final Deque<Fault> faults = new ArrayDeque<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fake-cloud-kms");
            t.setDaemon(true);
            return t;
          });
  private final Server server;

  public FakeCloudKms(FakeGoogleSts sts) {
    this.sts = sts;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(
                method(
                    "Encrypt",
                    EncryptRequest.getDefaultInstance(),
                    EncryptResponse.getDefaultInstance()),
                handler("Encrypt", EncryptRequest::getName, this::encrypt))
            .addMethod(
                method(
                    "Decrypt",
                    DecryptRequest.getDefaultInstance(),
                    DecryptResponse.getDefaultInstance()),
                handler("Decrypt", DecryptRequest::getName, this::decrypt))
            .addMethod(
                method(
                    "GetPublicKey",
                    GetPublicKeyRequest.getDefaultInstance(),
                    PublicKey.getDefaultInstance()),
                handler("GetPublicKey", GetPublicKeyRequest::getName, this::getPublicKey))
            .addMethod(
                method(
                    "AsymmetricDecrypt",
                    AsymmetricDecryptRequest.getDefaultInstance(),
                    AsymmetricDecryptResponse.getDefaultInstance()),
                handler(
                    "AsymmetricDecrypt",
                    AsymmetricDecryptRequest::getName,
                    this::asymmetricDecrypt))
            .addMethod(
                method(
                    "GetCryptoKey",
                    com.google.cloud.kms.v1.GetCryptoKeyRequest.getDefaultInstance(),
                    com.google.cloud.kms.v1.CryptoKey.getDefaultInstance()),
                handler(
                    "GetCryptoKey",
                    com.google.cloud.kms.v1.GetCryptoKeyRequest::getName,
                    this::getCryptoKey))
            .addMethod(
                method(
                    "GetCryptoKeyVersion",
                    com.google.cloud.kms.v1.GetCryptoKeyVersionRequest.getDefaultInstance(),
                    com.google.cloud.kms.v1.CryptoKeyVersion.getDefaultInstance()),
                handler(
                    "GetCryptoKeyVersion",
                    com.google.cloud.kms.v1.GetCryptoKeyVersionRequest::getName,
                    this::getCryptoKeyVersion))
            .build();
    try {
      server =
          InProcessServerBuilder.forName(name)
              .executor(executor)
              .addService(ServerInterceptors.intercept(service, new BearerTokens()))
              .build()
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The in-process server name for {@code InProcessChannelBuilder.forName}. */
  public String inProcessName() {
    return name;
  }

  /** A symmetric ENCRYPT_DECRYPT key with one enabled primary version; returns its name. */
  public String createSymmetricKey(String project, String location, String ring, String key) {
    String resource =
        "projects/"
            + project
            + "/locations/"
            + location
            + "/keyRings/"
            + ring
            + "/cryptoKeys/"
            + key;
    keys.computeIfAbsent(resource, r -> new CryptoKey());
    rotate(resource);
    return resource;
  }

  /** Adds a new version and makes it primary; returns the version's name. */
  public String rotate(String cryptoKey) {
    CryptoKey key = keys.get(cryptoKey);
    byte[] aes = new byte[32];
    random.nextBytes(aes);
    int number = key.versions.size() + 1;
    key.versions.put(number, new Version(aes, null));
    key.primary = number;
    return cryptoKey + "/cryptoKeyVersions/" + number;
  }

  /**
   * An ASYMMETRIC_DECRYPT key with one RSA_DECRYPT_OAEP_3072_SHA256 version; returns the version.
   */
  public String createRsaKeyVersion(String project, String location, String ring, String key) {
    String resource =
        "projects/"
            + project
            + "/locations/"
            + location
            + "/keyRings/"
            + ring
            + "/cryptoKeys/"
            + key;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(3072);
      CryptoKey k = keys.computeIfAbsent(resource, r -> new CryptoKey());
      int number = k.versions.size() + 1;
      k.versions.put(number, new Version(null, generator.generateKeyPair()));
      return resource + "/cryptoKeyVersions/" + number;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Enables or disables a version ({@code …/cryptoKeyVersions/N}). */
  public void setEnabled(String versionName, boolean enabled) {
    int at = versionName.indexOf("/cryptoKeyVersions/");
    keys.get(versionName.substring(0, at))
            .versions
            .get(Integer.parseInt(versionName.substring(at + "/cryptoKeyVersions/".length())))
            .enabled =
        enabled;
  }

  /** As DestroyCryptoKeyVersion: the version is DESTROY_SCHEDULED, unusable meanwhile. */
  public void scheduleDestroy(String versionName) {
    int at = versionName.indexOf("/cryptoKeyVersions/");
    keys.get(versionName.substring(0, at))
            .versions
            .get(Integer.parseInt(versionName.substring(at + "/cryptoKeyVersions/".length())))
            .destroyScheduled =
        true;
  }

  /** Automatic rotation every {@code period} (null: off), next at {@code next}. */
  public void setRotationSchedule(String cryptoKey, Duration period, java.time.Instant next) {
    CryptoKey key = keys.get(cryptoKey);
    key.rotationPeriod = period;
    key.nextRotationTime = next;
  }

  /** Backdates when a version ({@code …/cryptoKeyVersions/N}) was created. */
  public void setCreated(String versionName, java.time.Instant created) {
    int at = versionName.indexOf("/cryptoKeyVersions/");
    keys.get(versionName.substring(0, at))
            .versions
            .get(Integer.parseInt(versionName.substring(at + "/cryptoKeyVersions/".length())))
            .created =
        created;
  }

  /** IAM: only principals starting with {@code prefix} may use the key. */
  public void allowOnly(String cryptoKey, String prefix) {
    keys.get(cryptoKey).allowedPrincipalPrefix = prefix;
  }

  public synchronized void failNext(int times, Status.Code code) {
    for (int i = 0; i < times; i++) {
      faults.add(new Fault(code, null));
    }
  }

  public synchronized void hangNext(int times, Duration duration) {
    for (int i = 0; i < times; i++) {
      faults.add(new Fault(Status.Code.UNAVAILABLE, duration));
    }
  }

  public synchronized void clearFaults() {
    faults.clear();
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public void clearCalls() {
    calls.clear();
  }

  // ------------------------------------------------------------------------------------ methods

  private EncryptResponse encrypt(EncryptRequest r) {
    CryptoKey key = cryptoKey(r.getName());
    checkCrc(
        r.getPlaintext(),
        r.hasPlaintextCrc32C() ? r.getPlaintextCrc32C() : null,
        "plaintext_crc32c");
    checkCrc(
        r.getAdditionalAuthenticatedData(),
        r.hasAdditionalAuthenticatedDataCrc32C() ? r.getAdditionalAuthenticatedDataCrc32C() : null,
        "additional_authenticated_data_crc32c");
    int number = key.primary;
    Version version = enabled(key, r.getName(), number);
    if (version.aes == null) {
      throw Status.FAILED_PRECONDITION
          .withDescription("the key's purpose is not ENCRYPT_DECRYPT")
          .asRuntimeException();
    }
    byte[] iv = new byte[12];
    random.nextBytes(iv);
    byte[] sealed =
        gcm(
            Cipher.ENCRYPT_MODE,
            version.aes,
            iv,
            r.getAdditionalAuthenticatedData().toByteArray(),
            r.getPlaintext().toByteArray());
    byte[] blob =
        ByteBuffer.allocate(MAGIC.length + 4 + 12 + sealed.length)
            .put(MAGIC)
            .putInt(number)
            .put(iv)
            .put(sealed)
            .array();
    return EncryptResponse.newBuilder()
        .setName(r.getName() + "/cryptoKeyVersions/" + number)
        .setCiphertext(ByteString.copyFrom(blob))
        .setCiphertextCrc32C(crc(blob))
        .setVerifiedPlaintextCrc32C(r.hasPlaintextCrc32C())
        .setVerifiedAdditionalAuthenticatedDataCrc32C(r.hasAdditionalAuthenticatedDataCrc32C())
        .setProtectionLevel(ProtectionLevel.SOFTWARE)
        .build();
  }

  private DecryptResponse decrypt(DecryptRequest r) {
    CryptoKey key = cryptoKey(r.getName());
    checkCrc(
        r.getCiphertext(),
        r.hasCiphertextCrc32C() ? r.getCiphertextCrc32C() : null,
        "ciphertext_crc32c");
    checkCrc(
        r.getAdditionalAuthenticatedData(),
        r.hasAdditionalAuthenticatedDataCrc32C() ? r.getAdditionalAuthenticatedDataCrc32C() : null,
        "additional_authenticated_data_crc32c");
    ByteBuffer blob = ByteBuffer.wrap(r.getCiphertext().toByteArray());
    byte[] magic = new byte[MAGIC.length];
    if (blob.remaining() < MAGIC.length + 4 + 12 + 16) {
      throw invalidCiphertext();
    }
    blob.get(magic);
    int number = blob.getInt();
    if (!java.util.Arrays.equals(magic, MAGIC) || !key.versions.containsKey(number)) {
      throw invalidCiphertext();
    }
    Version version = enabled(key, r.getName(), number);
    byte[] iv = new byte[12];
    blob.get(iv);
    byte[] sealed = new byte[blob.remaining()];
    blob.get(sealed);
    byte[] plaintext;
    try {
      plaintext =
          gcm(
              Cipher.DECRYPT_MODE,
              version.aes,
              iv,
              r.getAdditionalAuthenticatedData().toByteArray(),
              sealed);
    } catch (StatusRuntimeException e) {
      throw invalidCiphertext();
    }
    return DecryptResponse.newBuilder()
        .setPlaintext(ByteString.copyFrom(plaintext))
        .setPlaintextCrc32C(crc(plaintext))
        .setUsedPrimary(number == key.primary)
        .setProtectionLevel(ProtectionLevel.SOFTWARE)
        .build();
  }

  private PublicKey getPublicKey(GetPublicKeyRequest r) {
    Version version = rsaVersion(r.getName());
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(version.rsa.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    return PublicKey.newBuilder()
        .setName(r.getName())
        .setPem(pem)
        .setPemCrc32C(crc(pem.getBytes(StandardCharsets.UTF_8)))
        .setAlgorithm(CryptoKeyVersionAlgorithm.RSA_DECRYPT_OAEP_3072_SHA256)
        .setProtectionLevel(ProtectionLevel.SOFTWARE)
        .build();
  }

  private AsymmetricDecryptResponse asymmetricDecrypt(AsymmetricDecryptRequest r) {
    Version version = rsaVersion(r.getName());
    checkCrc(
        r.getCiphertext(),
        r.hasCiphertextCrc32C() ? r.getCiphertextCrc32C() : null,
        "ciphertext_crc32c");
    byte[] plaintext;
    try {
      Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
      oaep.init(Cipher.DECRYPT_MODE, version.rsa.getPrivate(), OAEP_SHA256);
      plaintext = oaep.doFinal(r.getCiphertext().toByteArray());
    } catch (GeneralSecurityException e) {
      throw invalidCiphertext();
    }
    return AsymmetricDecryptResponse.newBuilder()
        .setPlaintext(ByteString.copyFrom(plaintext))
        .setPlaintextCrc32C(crc(plaintext))
        .setVerifiedCiphertextCrc32C(r.hasCiphertextCrc32C())
        .setProtectionLevel(ProtectionLevel.SOFTWARE)
        .build();
  }

  private com.google.cloud.kms.v1.CryptoKey getCryptoKey(
      com.google.cloud.kms.v1.GetCryptoKeyRequest r) {
    CryptoKey key = cryptoKey(r.getName());
    boolean symmetric = key.versions.values().stream().anyMatch(v -> v.aes != null);
    com.google.cloud.kms.v1.CryptoKey.Builder out =
        com.google.cloud.kms.v1.CryptoKey.newBuilder()
            .setName(r.getName())
            .setPurpose(
                symmetric
                    ? com.google.cloud.kms.v1.CryptoKey.CryptoKeyPurpose.ENCRYPT_DECRYPT
                    : com.google.cloud.kms.v1.CryptoKey.CryptoKeyPurpose.ASYMMETRIC_DECRYPT);
    if (symmetric && key.primary > 0) {
      out.setPrimary(
          version(
              r.getName() + "/cryptoKeyVersions/" + key.primary, key.versions.get(key.primary)));
    }
    if (key.rotationPeriod != null) {
      out.setRotationPeriod(
          com.google.protobuf.Duration.newBuilder().setSeconds(key.rotationPeriod.getSeconds()));
    }
    if (key.nextRotationTime != null) {
      out.setNextRotationTime(timestamp(key.nextRotationTime));
    }
    return out.build();
  }

  private com.google.cloud.kms.v1.CryptoKeyVersion getCryptoKeyVersion(
      com.google.cloud.kms.v1.GetCryptoKeyVersionRequest r) {
    int at = r.getName().indexOf("/cryptoKeyVersions/");
    if (at < 0) {
      throw Status.INVALID_ARGUMENT
          .withDescription("a version name is required")
          .asRuntimeException();
    }
    CryptoKey key = cryptoKey(r.getName().substring(0, at));
    Version v;
    try {
      v =
          key.versions.get(
              Integer.parseInt(r.getName().substring(at + "/cryptoKeyVersions/".length())));
    } catch (NumberFormatException e) {
      v = null;
    }
    if (v == null) {
      throw Status.NOT_FOUND.withDescription(r.getName() + " not found.").asRuntimeException();
    }
    return version(r.getName(), v);
  }

  private static com.google.cloud.kms.v1.CryptoKeyVersion version(String name, Version v) {
    return com.google.cloud.kms.v1.CryptoKeyVersion.newBuilder()
        .setName(name)
        .setState(
            v.destroyScheduled
                ? com.google.cloud.kms.v1.CryptoKeyVersion.CryptoKeyVersionState.DESTROY_SCHEDULED
                : v.enabled
                    ? com.google.cloud.kms.v1.CryptoKeyVersion.CryptoKeyVersionState.ENABLED
                    : com.google.cloud.kms.v1.CryptoKeyVersion.CryptoKeyVersionState.DISABLED)
        .setProtectionLevel(com.google.cloud.kms.v1.ProtectionLevel.SOFTWARE)
        .setAlgorithm(
            v.aes != null
                ? CryptoKeyVersionAlgorithm.GOOGLE_SYMMETRIC_ENCRYPTION
                : CryptoKeyVersionAlgorithm.RSA_DECRYPT_OAEP_3072_SHA256)
        .setCreateTime(timestamp(v.created))
        .build();
  }

  private static com.google.protobuf.Timestamp timestamp(java.time.Instant t) {
    return com.google.protobuf.Timestamp.newBuilder()
        .setSeconds(t.getEpochSecond())
        .setNanos(t.getNano())
        .build();
  }

  // ------------------------------------------------------------------------------------ checks

  private CryptoKey cryptoKey(String resource) {
    CryptoKey key = keys.get(resource);
    if (key == null) {
      throw Status.NOT_FOUND.withDescription(resource + " not found.").asRuntimeException();
    }
    String principal = PRINCIPAL.get();
    if (key.allowedPrincipalPrefix != null && !principal.startsWith(key.allowedPrincipalPrefix)) {
      throw Status.PERMISSION_DENIED
          .withDescription(
              "Permission 'cloudkms.cryptoKeyVersions.useToEncrypt'"
                  + " denied on resource '"
                  + resource
                  + "' (or it may not exist).")
          .asRuntimeException();
    }
    return key;
  }

  private Version rsaVersion(String versionName) {
    int at = versionName.indexOf("/cryptoKeyVersions/");
    if (at < 0) {
      throw Status.INVALID_ARGUMENT
          .withDescription("a CryptoKeyVersion name is required")
          .asRuntimeException();
    }
    CryptoKey key = cryptoKey(versionName.substring(0, at));
    int number;
    try {
      number = Integer.parseInt(versionName.substring(at + "/cryptoKeyVersions/".length()));
    } catch (NumberFormatException e) {
      throw Status.INVALID_ARGUMENT.withDescription("bad version").asRuntimeException();
    }
    if (!key.versions.containsKey(number)) {
      throw Status.NOT_FOUND.withDescription(versionName + " not found.").asRuntimeException();
    }
    Version version = enabled(key, versionName, number);
    if (version.rsa == null) {
      throw Status.FAILED_PRECONDITION
          .withDescription("the key's purpose is not ASYMMETRIC_DECRYPT")
          .asRuntimeException();
    }
    return version;
  }

  private static Version enabled(CryptoKey key, String resource, int number) {
    Version version = key.versions.get(number);
    if (!version.enabled || version.destroyScheduled) {
      throw Status.FAILED_PRECONDITION
          .withDescription(
              "The request cannot be fulfilled. Resource "
                  + resource
                  + "/cryptoKeyVersions/"
                  + number
                  + " is not in state ENABLED.")
          .asRuntimeException();
    }
    return version;
  }

  private static void checkCrc(ByteString data, Int64Value crc, String field) {
    if (crc != null && crc.getValue() != crcOf(data.toByteArray())) {
      throw Status.INVALID_ARGUMENT
          .withDescription("The checksum in field " + field + " did not match the data.")
          .asRuntimeException();
    }
  }

  private static StatusRuntimeException invalidCiphertext() {
    return Status.INVALID_ARGUMENT
        .withDescription("Decryption failed: the ciphertext is invalid.")
        .asRuntimeException();
  }

  private static Int64Value crc(byte[] data) {
    return Int64Value.of(crcOf(data));
  }

  private static long crcOf(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    return crc.getValue();
  }

  private static byte[] gcm(int mode, byte[] key, byte[] iv, byte[] aad, byte[] input) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
      cipher.updateAAD(aad);
      return cipher.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw invalidCiphertext();
    }
  }

  // ------------------------------------------------------------------------------------ plumbing

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(
      String name, Q request, R response) {
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(request))
        .setResponseMarshaller(ProtoUtils.marshaller(response))
        .build();
  }

  private <Q, R> ServerCallHandler<Q, R> handler(
      String method, Function<Q, String> resource, Function<Q, R> implementation) {
    return ServerCalls.asyncUnaryCall(
        (request, observer) -> {
          Fault fault;
          synchronized (this) {
            fault = faults.poll();
          }
          String principal = PRINCIPAL.get();
          if (fault != null) {
            calls.add(new Call(method, resource.apply(request), principal, fault.code().name()));
            if (fault.hang() != null) {
              try {
                Thread.sleep(fault.hang().toMillis());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            observer.onError(
                Status.fromCode(fault.code())
                    .withDescription("injected fault")
                    .asRuntimeException());
            return;
          }
          try {
            R response = implementation.apply(request);
            calls.add(new Call(method, resource.apply(request), principal, "OK"));
            observer.onNext(response);
            observer.onCompleted();
          } catch (StatusRuntimeException e) {
            calls.add(
                new Call(
                    method, resource.apply(request), principal, e.getStatus().getCode().name()));
            observer.onError(e);
          }
        });
  }

  /** Every call needs {@code authorization: Bearer <token from the fake STS>}. */
  private final class BearerTokens implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String value = headers.get(AUTHORIZATION);
      String principal =
          value != null && value.startsWith("Bearer ")
              ? sts.principal(value.substring("Bearer ".length()))
              : null;
      if (principal == null) {
        calls.add(
            new Call(call.getMethodDescriptor().getBareMethodName(), "", null, "UNAUTHENTICATED"));
        call.close(
            Status.UNAUTHENTICATED.withDescription(
                "Request had invalid authentication"
                    + " credentials. Expected OAuth 2 access token."),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return Contexts.interceptCall(
          Context.current().withValue(PRINCIPAL, principal), call, headers, next);
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    executor.shutdownNow();
  }
}
