package dev.envelope.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Loads Wycheproof vector files copied into the test resources (with their LICENSE). */
public final class Wycheproof {
  private Wycheproof() {}

  /** One test case with its group. */
  public record Case(JsonNode group, JsonNode test) {
    public int id() {
      return test.get("tcId").asInt();
    }

    public byte[] hex(String field) {
      return HexFormat.of().parseHex(test.get(field).asText());
    }

    public String result() {
      return test.get("result").asText();
    }

    public boolean hasFlag(String flag) {
      for (JsonNode f : test.get("flags")) {
        if (f.asText().equals(flag)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      return "tcId " + id() + " (" + test.get("comment").asText() + ")";
    }
  }

  /** Every test case of {@code wycheproof/<file>}. */
  public static List<Case> load(String file) throws IOException {
    try (InputStream in = Wycheproof.class.getResourceAsStream("/wycheproof/" + file)) {
      if (in == null) {
        throw new IOException("missing test resource wycheproof/" + file);
      }
      JsonNode root = new ObjectMapper().readTree(in);
      List<Case> cases = new ArrayList<>();
      for (JsonNode group : root.get("testGroups")) {
        for (JsonNode test : group.get("tests")) {
          cases.add(new Case(group, test));
        }
      }
      if (cases.isEmpty()) {
        throw new IOException("no test cases in " + file);
      }
      return cases;
    }
  }
}
