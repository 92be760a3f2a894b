package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Coverage-guided fuzzing (Jazzer) of the two document parsers: the key policy (plain and manifest
 * form) and the local config. In a normal test run the corpus ({@code PolicyFuzzTestInputs}) is
 * replayed; the build's {@code fuzz-policy} execution mutates it for a bounded time.
 *
 * <p>Properties, for every input: only {@link InvalidPolicyException} escapes; a policy that parses
 * has the same digest in the other form (plain wrapped into a manifest, or a manifest's spec on its
 * own), and compared with itself every logical key is unchanged and the step is safe.
 */
class PolicyFuzzTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({
    "apiVersion: envelope.dev/v1alpha1",
    "kind: KeyPolicy",
    "metadata:",
    "spec:",
    "keys:",
    "keks:",
    "decryptOnly:",
    "minWrap:",
    "dataKeyCache:",
    "maxAge: PT5M",
    "maxBytes: 64GiB",
    "maxMessages:",
    "local://",
    "version: 1",
    "policySource:",
    "prefer:",
    "providers:"
  })
  void parseEitherDocument(byte[] input) throws Exception {
    String text = new String(input, StandardCharsets.UTF_8);
    KeyPolicy policy = null;
    try {
      policy = KeyPolicy.parse(text, "fuzz");
    } catch (InvalidPolicyException expected) {
      // typed: fine
    }
    try {
      LocalConfig.parse(text, "fuzz");
    } catch (InvalidPolicyException expected) {
      // typed: fine
    }
    if (policy == null) {
      return;
    }
    JsonNode root = YAML.readTree(text);
    String other;
    if (root.has("spec")) {
      ObjectNode spec = ((ObjectNode) root.get("spec")).deepCopy();
      spec.put("version", 1);
      other = JSON.writeValueAsString(spec);
    } else {
      ObjectNode manifest = JSON.createObjectNode();
      manifest.put("apiVersion", KeyPolicy.API_VERSION);
      manifest.put("kind", KeyPolicy.KIND);
      manifest.putObject("metadata").put("name", "fuzz");
      manifest.set("spec", root);
      other = JSON.writeValueAsString(manifest);
    }
    assertThat(KeyPolicy.parse(other, "fuzz, other form").digest()).isEqualTo(policy.digest());
    PolicyCheck.Report same = PolicyCheck.compare(policy, policy, Set.of());
    assertThat(same.safe()).isTrue();
    assertThat(same.findings())
        .allMatch(f -> f.change() == PolicyCheck.Change.KEY_UNCHANGED)
        .hasSize(policy.keyIds().size());
  }
}
