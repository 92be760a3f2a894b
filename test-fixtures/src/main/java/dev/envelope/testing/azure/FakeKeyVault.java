package dev.envelope.testing.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.envelope.testing.LoopbackServer;
import dev.envelope.testing.SelfSignedTls;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * An Azure Key Vault (or Managed HSM, if its host says so) on 127.0.0.1 over HTTPS, speaking the
 * keys REST API the Java SDK uses: {@code GET /keys/{name}[/{version}]}, {@code POST
 * /keys/{name}/{version}/wrapkey} and {@code /unwrapkey}, with real RSA-3072 keys ({@code
 * RSA-OAEP-256}) and AES-256 {@code oct-HSM} keys ({@code A256KW}, RFC 3394).
 *
 * <p>It checks what Key Vault checks: a request without a bearer token gets the 401 challenge
 * naming the tenant and the resource; the token must be one {@link FakeEntraId} issued for that
 * resource; the key and version exist, are enabled and permit the operation. Errors use Key Vault's
 * shape ({@code {"error":{"code","message"}}}): {@code KeyNotFound}, {@code Forbidden}, {@code
 * BadParameter}, {@code Unauthorized}; faults can be injected (429, 503, hangs).
 */
public final class FakeKeyVault implements AutoCloseable {
  /** One request and its outcome; {@code clientId} is whose token it carried. */
  /**
   * One request the fake answered.
   *
   * @param requestId the {@code x-ms-request-id} it answered with (Key Vault's audit log field)
   */
  public record Call(String method, String path, String clientId, int status, String requestId) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OAEPParameterSpec OAEP_SHA256 =
      new OAEPParameterSpec(
          "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

  private static final class Version {
    final KeyPair rsa;
    final byte[] aes;
    volatile boolean enabled = true;
    volatile List<String> ops = List.of("wrapKey", "unwrapKey", "encrypt", "decrypt");
    volatile long created = java.time.Instant.now().getEpochSecond();

    Version(KeyPair rsa, byte[] aes) {
      this.rsa = rsa;
      this.aes = aes;
    }
  }

  private record Fault(int status, Duration hang) {}

  private final FakeEntraId entra;
  private final String vaultHost;
  private final String resource;
  private final LoopbackServer server;
  private final SecureRandom random = new SecureRandom();

  /** name → version → key, versions in creation order (the last is current). */
  private final Map<String, LinkedHashMap<String, Version>> keys = new ConcurrentHashMap<>();

  /** name → rotation policy's lifetime "Rotate" trigger, {@code timeAfterCreate} (ISO-8601). */
  private final Map<String, String> rotateAfter = new ConcurrentHashMap<>();

  private final Deque<Fault> faults = new ArrayDeque<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  /**
   * @param vaultHost the name the vault answers to in key ids, e.g. {@code
   *     payments.vault.azure.net} or {@code payments.managedhsm.azure.net}
   */
  private final Map<String, String> allowedClient = new java.util.concurrent.ConcurrentHashMap<>();

  public FakeKeyVault(SelfSignedTls tls, FakeEntraId entra, String vaultHost) {
    this.entra = entra;
    this.vaultHost = vaultHost;
    this.resource =
        vaultHost.contains(".managedhsm.")
            ? "https://managedhsm.azure.net"
            : "https://vault.azure.net";
    this.server = new LoopbackServer(this::handle, tls);
  }

  /** Where the SDK is pointed ({@code providers.azure-kv.endpoint}). */
  public URI endpoint() {
    return server.endpoint();
  }

  /** A new RSA-3072 key, or a new version of it; returns the version. */
  public String createRsaKey(String name) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(3072);
      return addVersion(name, new Version(generator.generateKeyPair(), null));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new AES-256 {@code oct-HSM} key, or a new version of it; returns the version. */
  public String createAesKey(String name) {
    byte[] aes = new byte[32];
    random.nextBytes(aes);
    return addVersion(name, new Version(null, aes));
  }

  private String addVersion(String name, Version version) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    String v = HexFormat.of().formatHex(id);
    keys.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(v, version);
    return v;
  }

  /** Backdates a version's {@code attributes.created}. */
  public void setCreated(String name, String version, java.time.Instant created) {
    keys.get(name).get(version).created = created.getEpochSecond();
  }

  /**
   * Sets the key's rotation policy to rotate {@code timeAfterCreate} (e.g. {@code P90D}) after a
   * version is created; null leaves the default policy (a notification only, no rotation).
   */
  public void setRotateAfter(String name, String timeAfterCreate) {
    if (timeAfterCreate == null) {
      rotateAfter.remove(name);
    } else {
      rotateAfter.put(name, timeAfterCreate);
    }
  }

  /** Azure RBAC: only the application {@code clientId} may use key {@code name}. */
  public void allowOnly(String name, String clientId) {
    allowedClient.put(name, clientId);
  }

  public void setEnabled(String name, String version, boolean enabled) {
    keys.get(name).get(version).enabled = enabled;
  }

  /** Restricts the key version's permitted operations ({@code key_ops}). */
  public void setOperations(String name, String version, List<String> ops) {
    keys.get(name).get(version).ops = List.copyOf(ops);
  }

  public synchronized void failNext(int times, int status) {
    for (int i = 0; i < times; i++) {
      faults.add(new Fault(status, null));
    }
  }

  public synchronized void hangNext(int times, Duration duration) {
    for (int i = 0; i < times; i++) {
      faults.add(new Fault(503, duration));
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

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    // Every answer carries the service's request id, as Key Vault's AuditEvent logs record it.
    String requestId = java.util.UUID.randomUUID().toString();
    exchange.getResponseHeaders().set("x-ms-request-id", requestId);
    byte[] body = LoopbackServer.body(exchange, 64 * 1024);
    Fault fault;
    synchronized (this) {
      fault = faults.poll();
    }
    if (fault != null) {
      calls.add(new Call(method, path, null, fault.status(), requestId));
      if (fault.hang() != null) {
        LoopbackServer.hang(fault.hang());
      }
      exchange.getResponseHeaders().set("Retry-After", "0");
      error(
          exchange,
          fault.status(),
          fault.status() == 429 ? "Throttled" : "ServiceUnavailable",
          "injected fault");
      return;
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      calls.add(new Call(method, path, null, 401, requestId));
      exchange
          .getResponseHeaders()
          .set(
              "WWW-Authenticate",
              "Bearer authorization=\""
                  + entra.authorityHost()
                  + "/"
                  + entra.tenant()
                  + "\", resource=\""
                  + resource
                  + "\"");
      error(exchange, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
      return;
    }
    FakeEntraId.Token token = entra.validate(authorization.substring("Bearer ".length()));
    if (token == null || !token.resource().equals(resource)) {
      calls.add(new Call(method, path, null, 401, requestId));
      error(exchange, 401, "Unauthorized", "AKV10022: Invalid audience or token.");
      return;
    }
    String[] parts = path.split("/");
    // ["", "keys", name, version?, operation?]
    if (parts.length < 3 || !parts[1].equals("keys")) {
      reply(exchange, method, path, token, 404, errorBody("NotFound", "unknown path " + path));
      return;
    }
    LinkedHashMap<String, Version> versions = keys.get(parts[2]);
    String allowed = allowedClient.get(parts[2]);
    if (allowed != null && !allowed.equals(token.clientId())) {
      reply(
          exchange,
          method,
          path,
          token,
          403,
          errorBody(
              "Forbidden",
              "Caller is not authorized to perform action on resource. Caller: appid="
                  + token.clientId()
                  + "; Action: 'Microsoft.KeyVault/vaults/keys/"
                  + (parts.length == 5 ? parts[4].replace("key", "") + "/action" : "read")
                  + "'; Resource: '"
                  + parts[2]
                  + "'"));
      return;
    }
    if (method.equals("GET") && parts.length == 4 && parts[3].equals("rotationpolicy")) {
      if (versions == null) {
        reply(
            exchange, method, path, token, 404, errorBody("KeyNotFound", parts[2] + " not found"));
        return;
      }
      reply(exchange, method, path, token, 200, rotationPolicy(parts[2]));
      return;
    }
    String version = parts.length > 3 && !parts[3].isEmpty() ? parts[3] : null;
    if (versions == null
        || versions.isEmpty()
        || (version != null && !versions.containsKey(version))) {
      reply(
          exchange,
          method,
          path,
          token,
          404,
          errorBody(
              "KeyNotFound",
              "A key with (name/id) "
                  + parts[2]
                  + (version == null ? "" : "/" + version)
                  + " was not found"));
      return;
    }
    if (version == null) {
      version = versions.keySet().stream().reduce((a, b) -> b).orElseThrow();
    }
    Version key = versions.get(version);
    String kid = "https://" + vaultHost + "/keys/" + parts[2] + "/" + version;
    if (method.equals("GET") && parts.length <= 4) {
      reply(exchange, method, path, token, 200, describe(kid, key));
      return;
    }
    if (method.equals("POST")
        && parts.length == 5
        && (parts[4].equals("wrapkey") || parts[4].equals("unwrapkey"))) {
      boolean wrap = parts[4].equals("wrapkey");
      String op = wrap ? "wrapKey" : "unwrapKey";
      if (!key.enabled) {
        reply(
            exchange,
            method,
            path,
            token,
            403,
            errorBody("Forbidden", "Operation " + op + " is not allowed on a disabled key."));
        return;
      }
      if (!key.ops.contains(op)) {
        reply(
            exchange,
            method,
            path,
            token,
            403,
            errorBody("Forbidden", "Operation " + op + " is not permitted on this key."));
        return;
      }
      JsonNode request = JSON.readTree(body);
      String alg = request.path("alg").asText();
      byte[] value;
      try {
        value = Base64.getUrlDecoder().decode(request.path("value").asText());
      } catch (IllegalArgumentException e) {
        reply(
            exchange,
            method,
            path,
            token,
            400,
            errorBody("BadParameter", "value is not base64url"));
        return;
      }
      byte[] result;
      try {
        result = crypt(key, alg, wrap, value);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        reply(
            exchange,
            method,
            path,
            token,
            400,
            errorBody(
                "BadParameter",
                "Invalid " + (wrap ? "plaintext" : "ciphertext") + " or algorithm " + alg));
        return;
      }
      ObjectNode out =
          JSON.createObjectNode()
              .put("kid", kid)
              .put("value", Base64.getUrlEncoder().withoutPadding().encodeToString(result));
      reply(exchange, method, path, token, 200, out);
      return;
    }
    reply(exchange, method, path, token, 405, errorBody("BadParameter", "unsupported " + method));
  }

  private static byte[] crypt(Version key, String alg, boolean wrap, byte[] value)
      throws GeneralSecurityException {
    if (key.rsa != null && alg.equals("RSA-OAEP-256")) {
      Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
      oaep.init(
          wrap ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE,
          wrap ? key.rsa.getPublic() : key.rsa.getPrivate(),
          OAEP_SHA256);
      return oaep.doFinal(value);
    }
    if (key.aes != null && alg.equals("A256KW")) {
      Cipher kw = Cipher.getInstance("AESWrap");
      SecretKeySpec kek = new SecretKeySpec(key.aes, "AES");
      if (wrap) {
        kw.init(Cipher.WRAP_MODE, kek);
        return kw.wrap(new SecretKeySpec(value, "AES"));
      }
      kw.init(Cipher.UNWRAP_MODE, kek);
      return kw.unwrap(value, "AES", Cipher.SECRET_KEY).getEncoded();
    }
    throw new IllegalArgumentException("algorithm " + alg + " does not fit the key");
  }

  /** GET /keys/{name}/rotationpolicy, as Key Vault answers (a default policy if none was set). */
  private ObjectNode rotationPolicy(String name) {
    ObjectNode out =
        JSON.createObjectNode()
            .put("id", "https://" + vaultHost + "/keys/" + name + "/rotationpolicy");
    com.fasterxml.jackson.databind.node.ArrayNode actions = out.putArray("lifetimeActions");
    String after = rotateAfter.get(name);
    if (after != null) {
      ObjectNode a = actions.addObject();
      a.putObject("trigger").put("timeAfterCreate", after);
      a.putObject("action").put("type", "Rotate");
    }
    ObjectNode notify = actions.addObject();
    notify.putObject("trigger").put("timeBeforeExpiry", "P30D");
    notify.putObject("action").put("type", "Notify");
    out.putObject("attributes").put("created", 1700000000).put("updated", 1700000000);
    return out;
  }

  private ObjectNode describe(String kid, Version key) {
    ObjectNode jwk = JSON.createObjectNode().put("kid", kid);
    if (key.rsa != null) {
      RSAPublicKey pub = (RSAPublicKey) key.rsa.getPublic();
      jwk.put("kty", "RSA")
          .put("n", b64(unsigned(pub.getModulus())))
          .put("e", b64(unsigned(pub.getPublicExponent())));
    } else {
      jwk.put("kty", "oct-HSM");
    }
    jwk.putArray("key_ops").addAll(key.ops.stream().map(JSON.getNodeFactory()::textNode).toList());
    ObjectNode out = JSON.createObjectNode();
    out.set("key", jwk);
    out.putObject("attributes")
        .put("enabled", key.enabled)
        .put("created", key.created)
        .put("updated", key.created)
        .put("recoveryLevel", "Recoverable+Purgeable");
    return out;
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static ObjectNode errorBody(String code, String message) {
    ObjectNode out = JSON.createObjectNode();
    out.putObject("error").put("code", code).put("message", message);
    return out;
  }

  private void reply(
      HttpExchange exchange,
      String method,
      String path,
      FakeEntraId.Token token,
      int status,
      ObjectNode body)
      throws IOException {
    calls.add(
        new Call(
            method,
            path,
            token.clientId(),
            status,
            exchange.getResponseHeaders().getFirst("x-ms-request-id")));
    LoopbackServer.respond(exchange, status, "application/json; charset=utf-8", body.toString());
  }

  private static void error(HttpExchange exchange, int status, String code, String message)
      throws IOException {
    LoopbackServer.respond(
        exchange, status, "application/json; charset=utf-8", errorBody(code, message).toString());
  }

  @Override
  public void close() {
    server.close();
  }
}
