package dev.envelope.core;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the YAML or JSON documents of the key policy and the local config into a tree and checks
 * fields with errors that name the source, the field path and what is allowed. (YAML 1.1 is a
 * superset of JSON, so one parser reads both.)
 */
final class PolicyDocument {
  static final long MAX_DOCUMENT_BYTES = 1024 * 1024;

  private static final ObjectMapper YAML =
      new ObjectMapper(YAMLFactory.builder().build())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** A byte count with an optional binary suffix, e.g. {@code 64GiB} (the CRD has the same). */
  private static final java.util.regex.Pattern BYTES =
      java.util.regex.Pattern.compile("(\\d{1,13})\\s*(KiB|MiB|GiB|TiB)?");

  /**
   * The ISO-8601 durations the policy accepts: days, hours, minutes, seconds with up to 9 decimals,
   * upper case, no signs — the subset of {@link java.time.Duration#parse} the CRD schema's pattern
   * also expresses. At least one component is required.
   */
  static final java.util.regex.Pattern DURATION =
      java.util.regex.Pattern.compile(
          "P(?:[0-9]+D(?:T(?:[0-9]+H(?:[0-9]+M)?(?:[0-9]+(?:\\.[0-9]{1,9})?S)?"
              + "|[0-9]+M(?:[0-9]+(?:\\.[0-9]{1,9})?S)?|[0-9]+(?:\\.[0-9]{1,9})?S))?"
              + "|T(?:[0-9]+H(?:[0-9]+M)?(?:[0-9]+(?:\\.[0-9]{1,9})?S)?"
              + "|[0-9]+M(?:[0-9]+(?:\\.[0-9]{1,9})?S)?|[0-9]+(?:\\.[0-9]{1,9})?S))");

  final String source;

  private PolicyDocument(String source) {
    this.source = source;
  }

  static PolicyDocument of(String source) {
    return new PolicyDocument(source);
  }

  static String readFile(Path path) {
    String source = path.toString();
    try {
      long size = Files.size(path);
      if (size > MAX_DOCUMENT_BYTES) {
        throw new InvalidPolicyException(
            source,
            "",
            "file of " + size + " bytes exceeds the " + MAX_DOCUMENT_BYTES + "-byte limit");
      }
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new InvalidPolicyException(source, "", "file not found", e);
    } catch (IOException e) {
      throw new InvalidPolicyException(
          source, "", "cannot be read: " + e.getClass().getSimpleName(), e);
    }
  }

  JsonNode parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidPolicyException(source, "", "the document is empty");
    }
    if (text.length() > MAX_DOCUMENT_BYTES) {
      throw new InvalidPolicyException(
          source, "", "the document exceeds " + MAX_DOCUMENT_BYTES + " characters");
    }
    try {
      JsonNode root = YAML.readTree(text);
      if (root == null || !root.isObject()) {
        throw new InvalidPolicyException(source, "", "expected a mapping at the top level");
      }
      return root;
    } catch (JacksonException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw new InvalidPolicyException(
          source, "", "not valid YAML or JSON" + where + ": " + e.getOriginalMessage(), e);
    }
  }

  void allowOnly(JsonNode node, String path, Set<String> allowed) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw new InvalidPolicyException(
            source,
            join(path, name),
            "unknown field; allowed here: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  void requireVersion(JsonNode root) {
    requireVersion(root, "version");
  }

  void requireVersion(JsonNode parent, String path) {
    JsonNode v = parent.get("version");
    if (v == null) {
      throw new InvalidPolicyException(source, path, "missing; write 'version: 1'");
    }
    if (!v.isInt() || v.intValue() != 1) {
      throw new InvalidPolicyException(source, path, "must be 1, found " + v);
    }
  }

  JsonNode object(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw new InvalidPolicyException(source, path, "must be a mapping");
    }
    return node;
  }

  List<String> stringList(JsonNode node, String path) {
    return stringList(node, path, Integer.MAX_VALUE);
  }

  List<String> stringList(JsonNode node, String path, int maxItems) {
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      throw new InvalidPolicyException(source, path, "must be a list");
    }
    if (node.size() > maxItems) {
      throw new InvalidPolicyException(
          source, path, "at most " + maxItems + " entries, found " + node.size());
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      if (!item.isTextual() || item.textValue().isBlank()) {
        throw new InvalidPolicyException(
            source, path + "[" + i + "]", "must be a non-empty string");
      }
      // Not stripped: a URI is compared and hashed (its KEK reference) exactly as written.
      out.add(item.textValue());
    }
    return out;
  }

  Map.Entry<String, String> scalar(Map.Entry<String, JsonNode> field, String path) {
    JsonNode v = field.getValue();
    if (v == null || !v.isValueNode() || v.isNull()) {
      throw new InvalidPolicyException(
          source, join(path, field.getKey()), "must be a string, number or boolean");
    }
    return Map.entry(field.getKey(), v.asText());
  }

  /** A byte count: a whole number, or one with a KiB, MiB, GiB or TiB suffix. */
  static long parseBytes(PolicyDocument doc, JsonNode node, String path) {
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    java.util.regex.Matcher m = BYTES.matcher(node.asText().strip());
    if (!node.isTextual() || !m.matches()) {
      throw new InvalidPolicyException(
          doc.source,
          path,
          "must be a whole number of bytes, optionally with KiB, MiB, GiB or TiB (e.g. 64GiB)");
    }
    long n = Long.parseLong(m.group(1));
    int shift =
        m.group(2) == null
            ? 0
            : switch (m.group(2)) {
              case "KiB" -> 10;
              case "MiB" -> 20;
              case "GiB" -> 30;
              default -> 40;
            };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new InvalidPolicyException(doc.source, path, "too large");
    }
    return n << shift;
  }

  static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
