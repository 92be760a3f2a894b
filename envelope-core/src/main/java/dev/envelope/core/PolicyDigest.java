package dev.envelope.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The digest of a {@link KeyPolicy}: SHA-256 over a canonical JSON rendering of what it says
 * (docs/DECISIONS.md D23), so that the same policy has the same digest in every cluster and every
 * form it was written in.
 */
final class PolicyDigest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PolicyDigest() {}

  /**
   * {@code {"keys":{ID:{"keks":[…],"decryptOnly":[…],"minWrap":N,"dataKeyCache":{"maxAge":"PT5M",
   * "maxMessages":N,"maxBytes":N},"rotationPeriod":"PT2160H"}}}}} (the last only when the policy
   * states one), logical keys sorted by id (UTF-16 order, as Java sorts), fields in this order, no
   * spaces; the defaults written out.
   */
  static String of(Collection<LogicalKey> keys) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode byId = root.putObject("keys");
    List<LogicalKey> sorted = keys.stream().sorted(Comparator.comparing(LogicalKey::id)).toList();
    for (LogicalKey k : sorted) {
      ObjectNode n = byId.putObject(k.id());
      k.keks().forEach(n.putArray("keks")::add);
      k.decryptOnly().forEach(n.putArray("decryptOnly")::add);
      n.put("minWrap", k.minWrap());
      ObjectNode cache = n.putObject("dataKeyCache");
      cache.put("maxAge", k.dataKeyCache().maxAge().toString());
      cache.put("maxMessages", k.dataKeyCache().maxMessages());
      cache.put("maxBytes", k.dataKeyCache().maxBytes());
      // Only when stated, so that policies without one keep the digest they always had.
      k.rotationPeriod().ifPresent(p -> n.put("rotationPeriod", p.toString()));
    }
    try {
      byte[] canonical = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot digest the policy", e);
    }
  }
}
