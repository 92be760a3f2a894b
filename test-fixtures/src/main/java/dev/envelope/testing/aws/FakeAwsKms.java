package dev.envelope.testing.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.envelope.testing.LoopbackServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
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
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS KMS on 127.0.0.1, speaking its wire protocol (AWS JSON 1.1, {@code X-Amz-Target:
 * TrentService.*}) for {@code Encrypt}, {@code Decrypt}, {@code DescribeKey} and {@code
 * GetPublicKey}, with real AES-256 and RSA-3072 keys.
 *
 * <p>It checks what KMS checks: a valid SigV4 signature by known credentials (and their session
 * token), the key exists in the request's region, is enabled, the caller is allowed by the key's
 * policy, the key's usage fits the operation, the encryption context on decrypt equals the one on
 * encrypt, and a pinned {@code KeyId} is the key that encrypted. It answers with KMS's error shapes
 * ({@code AccessDeniedException}, {@code DisabledException}, {@code InvalidCiphertextException},
 * {@code IncorrectKeyException}, {@code NotFoundException}, {@code ThrottlingException}, …).
 * Multi-Region keys share their material across the regions of their replicas, as in AWS.
 *
 * <p>Symmetric ciphertext blobs are this fake's own format (KMS's is opaque too): the key id, a
 * 12-byte IV and AES-GCM of the plaintext with the canonical encryption context as AAD.
 */
public final class FakeAwsKms implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] BLOB_MAGIC = "FAKEKMS1".getBytes(StandardCharsets.US_ASCII);
  private static final OAEPParameterSpec OAEP_SHA256 =
      new OAEPParameterSpec(
          "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

  /**
   * One call the fake answered (or refused).
   *
   * @param requestId the {@code x-amzn-RequestId} it answered with, as CloudTrail records it
   */
  public record Call(
      String operation,
      String region,
      String principalArn,
      String keyId,
      String outcome,
      String requestId) {}

  private static final class Key {
    final String id;
    final byte[] aes;
    final KeyPair rsa;
    final boolean multiRegion;
    volatile boolean enabled = true;
    volatile java.time.Instant deletionDate; // non-null: PendingDeletion
    volatile String allowedPrincipalPrefix;
    volatile java.time.Instant created = java.time.Instant.now();
    volatile Integer rotationPeriodDays; // null: automatic rotation off
    final List<java.time.Instant> rotations = new CopyOnWriteArrayList<>();

    Key(String id, byte[] aes, KeyPair rsa, boolean multiRegion) {
      this.id = id;
      this.aes = aes;
      this.rsa = rsa;
      this.multiRegion = multiRegion;
    }
  }

  private record Fault(int status, String code, Duration hang) {}

  private final AwsIdentities identities;
  private final LoopbackServer server;
  private final SecureRandom random = new SecureRandom();

  /** Key ARN (one per region for Multi-Region keys) → key. */
  private final Map<String, Key> keys = new ConcurrentHashMap<>();

  /** Alias ARN → key ARN. */
  private final Map<String, String> aliases = new ConcurrentHashMap<>();

  private final Deque<Fault> faults = new ArrayDeque<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  public FakeAwsKms(AwsIdentities identities) {
    this.identities = identities;
    this.server = new LoopbackServer(this::handle);
  }

  /** For the SDK's {@code endpointOverride}: every region is served here. */
  public URI endpoint() {
    return server.endpoint();
  }

  /** A new symmetric (SYMMETRIC_DEFAULT, AES-256-GCM) key; returns its ARN. */
  public String createSymmetricKey(String region) {
    byte[] aes = new byte[32];
    random.nextBytes(aes);
    Key key = new Key(UUID.randomUUID().toString(), aes, null, false);
    String arn = arn(region, "key/" + key.id);
    keys.put(arn, key);
    return arn;
  }

  /** A Multi-Region symmetric key with replicas; returns the primary's ARN. */
  public String createMultiRegionKey(String primaryRegion, String... replicaRegions) {
    byte[] aes = new byte[32];
    random.nextBytes(aes);
    Key key = new Key("mrk-" + HexFormat.of().formatHex(randomBytes(16)), aes, null, true);
    keys.put(arn(primaryRegion, "key/" + key.id), key);
    for (String region : replicaRegions) {
      keys.put(arn(region, "key/" + key.id), key);
    }
    return arn(primaryRegion, "key/" + key.id);
  }

  /** A new RSA_3072 ENCRYPT_DECRYPT key; returns its ARN. */
  public String createRsaKey(String region) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(3072);
      Key key = new Key(UUID.randomUUID().toString(), null, generator.generateKeyPair(), false);
      String arn = arn(region, "key/" + key.id);
      keys.put(arn, key);
      return arn;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Points {@code alias/NAME} at a key; returns the alias ARN. */
  public String createAlias(String keyArn, String name) {
    String region = keyArn.split(":")[3];
    String aliasArn = arn(region, "alias/" + name);
    aliases.put(aliasArn, keyArn);
    return aliasArn;
  }

  /** Backdates when the key was created (DescribeKey's CreationDate). */
  public void setCreated(String keyArn, java.time.Instant created) {
    keys.get(keyArn).created = created;
  }

  /** Turns automatic rotation on every {@code days} (90..2560, as AWS allows), or off with null. */
  public void setAutomaticRotation(String keyArn, Integer days) {
    keys.get(keyArn).rotationPeriodDays = days;
  }

  /** Records that the key's material was rotated at {@code when} (ListKeyRotations). */
  public void addRotation(String keyArn, java.time.Instant when) {
    keys.get(keyArn).rotations.add(when);
  }

  /** Disables (or re-enables) a key in every region. */
  /** As ScheduleKeyDeletion: the key is PendingDeletion until {@code when}, unusable meanwhile. */
  public void scheduleDeletion(String keyArn, java.time.Instant when) {
    keys.get(keyArn).deletionDate = when;
  }

  public void setEnabled(String keyArn, boolean enabled) {
    keys.get(keyArn).enabled = enabled;
  }

  /** Key policy: only principals whose ARN starts with {@code prefix} may use the key. */
  public void allowOnly(String keyArn, String prefix) {
    keys.get(keyArn).allowedPrincipalPrefix = prefix;
  }

  /** The next {@code times} requests fail with {@code code} (e.g. ThrottlingException, 400). */
  public synchronized void failNext(int times, int status, String code) {
    for (int i = 0; i < times; i++) {
      faults.add(new Fault(status, code, null));
    }
  }

  /** The next {@code times} requests hang for {@code duration} before failing. */
  public synchronized void hangNext(int times, Duration duration) {
    for (int i = 0; i < times; i++) {
      faults.add(new Fault(500, "KMSInternalException", duration));
    }
  }

  /** Every request, in order. */
  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Requests of one operation that succeeded. */
  public long succeeded(String operation) {
    return calls.stream()
        .filter(c -> c.operation().equals(operation) && c.outcome().equals("ok"))
        .count();
  }

  /** Forgets the recorded calls. */
  public void clearCalls() {
    calls.clear();
  }

  /** Drops faults not yet consumed. */
  public synchronized void clearFaults() {
    faults.clear();
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = LoopbackServer.body(exchange, 256 * 1024);
    String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
    String operation =
        target != null && target.startsWith("TrentService.")
            ? target.substring("TrentService.".length())
            : String.valueOf(target);
    // Every answer, success or error, carries a request id (CloudTrail's requestID).
    String requestId = UUID.randomUUID().toString();
    exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
    Fault fault;
    synchronized (this) {
      fault = faults.poll();
    }
    if (fault != null) {
      calls.add(
          new Call(
              operation,
              null,
              null,
              null,
              fault.hang() != null ? "hang" : fault.code(),
              requestId));
      if (fault.hang() != null) {
        LoopbackServer.hang(fault.hang());
      }
      error(exchange, fault.status(), fault.code(), "injected fault");
      return;
    }
    AwsIdentities.Caller caller = identities.authenticate(exchange, body, "kms");
    if (!caller.ok()) {
      calls.add(new Call(operation, null, null, null, caller.errorCode(), requestId));
      error(exchange, 400, caller.errorCode(), caller.error());
      return;
    }
    if (!"application/x-amz-json-1.1"
        .equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
      error(exchange, 400, "SerializationException", "expected application/x-amz-json-1.1");
      return;
    }
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      error(exchange, 400, "SerializationException", "malformed JSON");
      return;
    }
    Request r = new Request(exchange, operation, caller, request, requestId);
    try {
      switch (operation) {
        case "Encrypt" -> encrypt(r);
        case "Decrypt" -> decrypt(r);
        case "DescribeKey" -> describeKey(r);
        case "GetPublicKey" -> getPublicKey(r);
        case "GetKeyRotationStatus" -> getKeyRotationStatus(r);
        case "ListKeyRotations" -> listKeyRotations(r);
        default -> throw new KmsError(400, "UnknownOperationException", operation);
      }
    } catch (KmsError e) {
      r.record(e.code);
      error(exchange, e.status, e.code, e.getMessage());
    }
  }

  private final class Request {
    final HttpExchange exchange;
    final String operation;
    final AwsIdentities.Caller caller;
    final JsonNode body;
    final String requestId;
    String keyArn;

    Request(
        HttpExchange exchange,
        String operation,
        AwsIdentities.Caller caller,
        JsonNode body,
        String requestId) {
      this.exchange = exchange;
      this.requestId = requestId;
      this.operation = operation;
      this.caller = caller;
      this.body = body;
    }

    String text(String field) {
      JsonNode n = body.get(field);
      return n == null || n.isNull() ? null : n.asText();
    }

    byte[] base64(String field) {
      String value = text(field);
      if (value == null) {
        throw new KmsError(400, "ValidationException", field + " is required");
      }
      try {
        return Base64.getDecoder().decode(value);
      } catch (IllegalArgumentException e) {
        throw new KmsError(400, "SerializationException", field + " is not base64");
      }
    }

    void record(String outcome) {
      calls.add(
          new Call(
              operation,
              caller.region(),
              caller.credentials().principalArn(),
              keyArn,
              outcome,
              requestId));
    }

    void answer(ObjectNode response) throws IOException {
      record("ok");
      LoopbackServer.respond(exchange, 200, "application/x-amz-json-1.1", response.toString());
    }
  }

  /** Resolves a KeyId (key ARN, alias ARN, alias/NAME, bare id) in the caller's region. */
  private String resolve(Request r, String keyId) {
    if (keyId == null || keyId.isEmpty()) {
      throw new KmsError(400, "ValidationException", "KeyId is required");
    }
    String region = r.caller.region();
    String arn;
    if (keyId.startsWith("arn:")) {
      String[] parts = keyId.split(":", 6);
      if (parts.length < 6 || !parts[3].equals(region)) {
        throw new KmsError(
            400, "NotFoundException", "Invalid arn " + keyId + " for region " + region);
      }
      arn = keyId;
    } else {
      arn = arn(region, keyId.startsWith("alias/") ? keyId : "key/" + keyId);
    }
    if (arn.contains(":alias/")) {
      String target = aliases.get(arn);
      if (target == null) {
        throw new KmsError(400, "NotFoundException", "Alias " + arn + " is not found.");
      }
      arn = target;
    }
    if (!keys.containsKey(arn)) {
      throw new KmsError(400, "NotFoundException", "Key '" + arn + "' does not exist");
    }
    r.keyArn = arn;
    return arn;
  }

  private Key usable(Request r, String arn, boolean requireEnabled) {
    Key key = keys.get(arn);
    String principal = r.caller.credentials().principalArn();
    if (key.allowedPrincipalPrefix != null && !principal.startsWith(key.allowedPrincipalPrefix)) {
      throw new KmsError(
          400,
          "AccessDeniedException",
          "User: "
              + principal
              + " is not authorized to perform: kms:"
              + r.operation
              + " on resource: "
              + arn
              + " because no resource-based policy allows the kms:"
              + r.operation
              + " action");
    }
    if (requireEnabled && key.deletionDate != null) {
      throw new KmsError(400, "KMSInvalidStateException", arn + " is pending deletion.");
    }
    if (requireEnabled && !key.enabled) {
      throw new KmsError(400, "DisabledException", arn + " is disabled.");
    }
    return key;
  }

  private void encrypt(Request r) throws IOException {
    String arn = resolve(r, r.text("KeyId"));
    Key key = usable(r, arn, true);
    byte[] plaintext = r.base64("Plaintext");
    if (plaintext.length == 0 || plaintext.length > 4096) {
      throw new KmsError(400, "ValidationException", "Plaintext must be 1 to 4096 bytes");
    }
    if (key.aes == null) {
      throw new KmsError(
          400,
          "InvalidKeyUsageException",
          "this fake encrypts with RSA keys only on the client side (GetPublicKey)");
    }
    String algorithm = r.text("EncryptionAlgorithm");
    if (algorithm != null && !algorithm.equals("SYMMETRIC_DEFAULT")) {
      throw new KmsError(400, "InvalidKeyUsageException", algorithm + " is not valid for " + arn);
    }
    byte[] iv = randomBytes(12);
    byte[] sealed = gcm(Cipher.ENCRYPT_MODE, key.aes, iv, context(r), plaintext);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    blob.write(BLOB_MAGIC);
    byte[] id = key.id.getBytes(StandardCharsets.US_ASCII);
    blob.write(id.length);
    blob.write(id);
    blob.write(iv);
    blob.write(sealed);
    ObjectNode out =
        JSON.createObjectNode()
            .put("CiphertextBlob", Base64.getEncoder().encodeToString(blob.toByteArray()))
            .put("KeyId", arn)
            .put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    r.answer(out);
  }

  private void decrypt(Request r) throws IOException {
    byte[] blob = r.base64("CiphertextBlob");
    String algorithm = r.text("EncryptionAlgorithm");
    String keyId = r.text("KeyId");
    if (algorithm != null && algorithm.startsWith("RSAES_OAEP_")) {
      String arn = resolve(r, keyId);
      Key key = usable(r, arn, true);
      if (key.rsa == null) {
        throw new KmsError(400, "InvalidKeyUsageException", algorithm + " is not valid for " + arn);
      }
      if (!algorithm.equals("RSAES_OAEP_SHA_256")) {
        throw new KmsError(
            400, "InvalidKeyUsageException", "this fake supports RSAES_OAEP_SHA_256");
      }
      byte[] plaintext;
      try {
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
        rsa.init(Cipher.DECRYPT_MODE, key.rsa.getPrivate(), OAEP_SHA256);
        plaintext = rsa.doFinal(blob);
      } catch (GeneralSecurityException e) {
        throw new KmsError(400, "InvalidCiphertextException", null);
      }
      r.answer(
          JSON.createObjectNode()
              .put("KeyId", arn)
              .put("Plaintext", Base64.getEncoder().encodeToString(plaintext))
              .put("EncryptionAlgorithm", algorithm));
      return;
    }
    // Symmetric: the blob names its key; a pinned KeyId must be that key.
    if (blob.length < BLOB_MAGIC.length + 1 + 12 + 16
        || !java.util.Arrays.equals(blob, 0, BLOB_MAGIC.length, BLOB_MAGIC, 0, BLOB_MAGIC.length)) {
      throw new KmsError(400, "InvalidCiphertextException", null);
    }
    int idLength = blob[BLOB_MAGIC.length] & 0xff;
    int ivAt = BLOB_MAGIC.length + 1 + idLength;
    if (blob.length < ivAt + 12 + 16) {
      throw new KmsError(400, "InvalidCiphertextException", null);
    }
    String blobKeyId = new String(blob, BLOB_MAGIC.length + 1, idLength, StandardCharsets.US_ASCII);
    String arn = arn(r.caller.region(), "key/" + blobKeyId);
    if (keyId != null) {
      String pinned = resolve(r, keyId);
      if (!pinned.equals(arn)) {
        throw new KmsError(
            400,
            "IncorrectKeyException",
            "The key ID in the request does not"
                + " identify a KMS key that can perform this operation.");
      }
    }
    if (!keys.containsKey(arn)) {
      throw new KmsError(400, "InvalidCiphertextException", null);
    }
    r.keyArn = arn;
    Key key = usable(r, arn, true);
    byte[] plaintext;
    try {
      plaintext =
          gcm(
              Cipher.DECRYPT_MODE,
              key.aes,
              java.util.Arrays.copyOfRange(blob, ivAt, ivAt + 12),
              context(r),
              java.util.Arrays.copyOfRange(blob, ivAt + 12, blob.length));
    } catch (KmsError e) {
      throw new KmsError(400, "InvalidCiphertextException", null);
    }
    r.answer(
        JSON.createObjectNode()
            .put("KeyId", arn)
            .put("Plaintext", Base64.getEncoder().encodeToString(plaintext))
            .put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT"));
  }

  private void describeKey(Request r) throws IOException {
    String arn = resolve(r, r.text("KeyId"));
    Key key = usable(r, arn, false);
    ObjectNode meta =
        JSON.createObjectNode()
            .put("AWSAccountId", AwsIdentities.ACCOUNT)
            .put("KeyId", key.id)
            .put("Arn", arn)
            .put("Enabled", key.enabled && key.deletionDate == null)
            .put(
                "KeyState",
                key.deletionDate != null ? "PendingDeletion" : key.enabled ? "Enabled" : "Disabled")
            .put("KeyUsage", "ENCRYPT_DECRYPT")
            .put("KeySpec", key.aes != null ? "SYMMETRIC_DEFAULT" : "RSA_3072")
            .put("MultiRegion", key.multiRegion)
            .put("CreationDate", epoch(key.created));
    if (key.deletionDate != null) {
      meta.put("DeletionDate", epoch(key.deletionDate));
    }
    meta.put("KeyManager", "CUSTOMER").put("Origin", "AWS_KMS");
    meta.putArray("EncryptionAlgorithms")
        .add(key.aes != null ? "SYMMETRIC_DEFAULT" : "RSAES_OAEP_SHA_256");
    ObjectNode out = JSON.createObjectNode();
    out.set("KeyMetadata", meta);
    r.answer(out);
  }

  /** AWS JSON 1.1 timestamps: epoch seconds as a number. */
  private static double epoch(java.time.Instant t) {
    return t.getEpochSecond() + t.getNano() / 1e9;
  }

  private void getKeyRotationStatus(Request r) throws IOException {
    String arn = resolve(r, r.text("KeyId"));
    Key key = usable(r, arn, false);
    if (key.rsa != null) {
      throw new KmsError(
          400, "UnsupportedOperationException", arn + " is an asymmetric key: no rotation");
    }
    Integer days = key.rotationPeriodDays;
    ObjectNode out =
        JSON.createObjectNode().put("KeyId", arn).put("KeyRotationEnabled", days != null);
    if (days != null) {
      java.time.Instant last =
          key.rotations.stream().max(java.time.Instant::compareTo).orElse(key.created);
      out.put("RotationPeriodInDays", days);
      out.put("NextRotationDate", epoch(last.plus(java.time.Duration.ofDays(days))));
    }
    r.answer(out);
  }

  private void listKeyRotations(Request r) throws IOException {
    String arn = resolve(r, r.text("KeyId"));
    Key key = usable(r, arn, false);
    if (key.rsa != null) {
      throw new KmsError(
          400, "UnsupportedOperationException", arn + " is an asymmetric key: no rotation");
    }
    ObjectNode out = JSON.createObjectNode().put("Truncated", false);
    com.fasterxml.jackson.databind.node.ArrayNode list = out.putArray("Rotations");
    for (java.time.Instant t : key.rotations) {
      list.addObject()
          .put("KeyId", arn)
          .put("RotationDate", epoch(t))
          .put("RotationType", "AUTOMATIC");
    }
    r.answer(out);
  }

  private void getPublicKey(Request r) throws IOException {
    String arn = resolve(r, r.text("KeyId"));
    Key key = usable(r, arn, true);
    if (key.rsa == null) {
      throw new KmsError(400, "UnsupportedOperationException", arn + " is not an asymmetric key");
    }
    ObjectNode out =
        JSON.createObjectNode()
            .put("KeyId", arn)
            .put("PublicKey", Base64.getEncoder().encodeToString(key.rsa.getPublic().getEncoded()))
            .put("KeySpec", "RSA_3072")
            .put("KeyUsage", "ENCRYPT_DECRYPT");
    out.putArray("EncryptionAlgorithms").add("RSAES_OAEP_SHA_1").add("RSAES_OAEP_SHA_256");
    r.answer(out);
  }

  /** The encryption context as canonical bytes: sorted key=value lines. */
  private static byte[] context(Request r) {
    Map<String, String> sorted = new TreeMap<>();
    JsonNode context = r.body.get("EncryptionContext");
    if (context != null && context.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = context.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        sorted.put(e.getKey(), e.getValue().asText());
      }
    }
    StringBuilder s = new StringBuilder();
    sorted.forEach((k, v) -> s.append(k).append('=').append(v).append('\n'));
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gcm(int mode, byte[] key, byte[] iv, byte[] aad, byte[] input) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
      cipher.updateAAD(aad);
      return cipher.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new KmsError(400, "InvalidCiphertextException", null);
    }
  }

  private static void error(HttpExchange exchange, int status, String code, String message)
      throws IOException {
    exchange.getResponseHeaders().set("x-amzn-ErrorType", code);
    ObjectNode body = JSON.createObjectNode().put("__type", code);
    if (message != null) {
      body.put("message", message);
    }
    LoopbackServer.respond(exchange, status, "application/x-amz-json-1.1", body.toString());
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static String arn(String region, String resource) {
    return "arn:aws:kms:" + region + ":" + AwsIdentities.ACCOUNT + ":" + resource;
  }

  @Override
  public void close() {
    server.close();
  }

  private static final class KmsError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;

    KmsError(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }
}
