package dev.envelope.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.kek.hpke.HpkeKekProvider;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRD's schema and Envelope's parser agree: every policy the parser (with every provider's URI
 * validation, as {@code Envelope.build} judges it) accepts, the schema accepts, and each parser
 * rejection rule has an invalid policy that the schema rejects too — except the rules listed in
 * {@link #PARSER_ONLY}, which the README lists and for which this test proves that the schema
 * indeed lets the example through (so the list stays true).
 *
 * <p>"The schema" is what the API server would apply: the CRD's OpenAPI v3 schema run by a real
 * JSON-schema validator (networknt), with unknown fields refused (the API server's strict field
 * validation, kubectl's default) and {@code x-kubernetes-list-type: set} as unique items; its
 * {@code x-kubernetes-validations} rules run by a real CEL implementation (cel-java); and the API
 * server's own checks of {@code apiVersion}, {@code kind} and {@code metadata.name}.
 */
class CrdSchemaParityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Rules only the parser (or a provider) checks; each example must pass the schema. */
  static final Map<String, String> PARSER_ONLY =
      Map.of(
          "plain form: version required", "the manifest is versioned by apiVersion",
          "maxAge positive", "a value range of an ISO-8601 duration",
          "maxAge at most P1D", "a value range of an ISO-8601 duration",
          "maxBytes string at most 1TiB", "a value range of a number with a unit",
          "rotationPeriod positive and at most P3650D", "a value range of an ISO-8601 duration",
          "hpke public key length and encoding", "decoding base64url and the KEM's key check",
          "pkcs11 attributes", "RFC 7512 attribute names, percent-encoding, token and key attrs");

  private static CustomResourceDefinition crd;
  private static Schema schema;
  private static JsonNode openApi;
  private static final CelCompiler CEL =
      CelCompilerFactory.standardCelCompilerBuilder()
          // The macros Kubernetes enables (all, exists, has, map, filter…).
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .build();
  private static final CelRuntime CEL_RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().build();

  @TempDir static Path hpkeDir;

  @BeforeAll
  static void readTheCrd() throws IOException {
    try (InputStream in = Files.newInputStream(Crd.FILE)) {
      crd = new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    }
    JSONSchemaProps props = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    openApi = JSON.readTree(new KubernetesSerialization().asJson(props));
    JsonNode closed = asApiServerValidates(openApi.deepCopy());
    schema =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
            .getSchema(JSON.writeValueAsString(closed), InputFormat.JSON);
  }

  // ---- the CRD itself ----

  @Test
  void theCrdIsWellFormedAndStructural() {
    assertThat(crd.getApiVersion()).isEqualTo("apiextensions.k8s.io/v1");
    assertThat(crd.getMetadata().getName()).isEqualTo("keypolicies.envelope.dev");
    assertThat(crd.getSpec().getGroup()).isEqualTo(KubernetesPolicySource.KEY_POLICIES.getGroup());
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo(KeyPolicy.KIND);
    assertThat(crd.getSpec().getNames().getPlural())
        .isEqualTo(KubernetesPolicySource.KEY_POLICIES.getPlural());
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(crd.getSpec().getGroup() + "/" + v.getName()).isEqualTo(KeyPolicy.API_VERSION);
    assertThat(v.getServed()).isTrue();
    assertThat(v.getStorage()).isTrue();
    assertThat(v.getAdditionalPrinterColumns())
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c.getJsonPath()).startsWith("."));
    // Nothing the model does not know (a typo such as 'requried' lands in additionalProperties).
    assertThat(crd.getAdditionalProperties()).isEmpty();
    assertThat(crd.getSpec().getAdditionalProperties()).isEmpty();
    List<String> problems = new ArrayList<>();
    structural(openApi, "openAPIV3Schema", false, problems);
    assertThat(problems).isEmpty();
    // Every CEL rule compiles.
    List<String> rules = new ArrayList<>();
    collectRules(v.getSchema().getOpenAPIV3Schema(), rules);
    assertThat(rules).hasSize(3);
    for (String rule : rules) {
      assertThat(CEL.compile(rule).getErrors()).as(rule).isEmpty();
    }
  }

  /**
   * The structural-schema rules of apiextensions.k8s.io/v1: every node outside anyOf/allOf/oneOf/
   * not states a type (or is int-or-string or preserves unknown fields); inside them, value
   * validations only; no properties together with additionalProperties; no uniqueItems (use
   * list-type set); every key a known schema keyword.
   */
  private static void structural(JsonNode node, String path, boolean inJunctor, List<String> out) {
    Set<String> known =
        Set.of(
            "type",
            "description",
            "properties",
            "additionalProperties",
            "items",
            "required",
            "enum",
            "pattern",
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minimum",
            "maximum",
            "minProperties",
            "maxProperties",
            "anyOf",
            "allOf",
            "oneOf",
            "not",
            "format",
            "default",
            "nullable",
            "x-kubernetes-validations",
            "x-kubernetes-list-type",
            "x-kubernetes-int-or-string",
            "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-map-type");
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!known.contains(f)) {
                out.add(path + ": unknown keyword " + f);
              }
            });
    boolean typed =
        node.has("type")
            || node.path("x-kubernetes-int-or-string").asBoolean()
            || node.path("x-kubernetes-preserve-unknown-fields").asBoolean();
    if (!inJunctor && !typed) {
      out.add(path + ": no type");
    }
    if (inJunctor && (node.has("type") || node.has("properties") || node.has("items"))) {
      if (!path.contains("maxBytes")) { // int-or-string's anyOf may name the two types
        out.add(path + ": a junctor may hold value validations only");
      }
    }
    if (node.has("properties") && node.has("additionalProperties")) {
      out.add(path + ": properties and additionalProperties together");
    }
    if (node.has("uniqueItems")) {
      out.add(path + ": uniqueItems is not allowed; use x-kubernetes-list-type: set");
    }
    node.path("properties")
        .fields()
        .forEachRemaining(e -> structural(e.getValue(), path + "." + e.getKey(), inJunctor, out));
    if (node.path("additionalProperties").isObject()) {
      structural(node.get("additionalProperties"), path + ".*", inJunctor, out);
    }
    if (node.has("items")) {
      structural(node.get("items"), path + "[]", inJunctor, out);
    }
    for (String j : List.of("anyOf", "allOf", "oneOf")) {
      for (JsonNode n : node.path(j)) {
        structural(n, path + "." + j, true, out);
      }
    }
    if (node.has("not")) {
      structural(node.get("not"), path + ".not", true, out);
    }
  }

  private static void collectRules(JSONSchemaProps p, List<String> out) {
    if (p == null) {
      return;
    }
    if (p.getXKubernetesValidations() != null) {
      p.getXKubernetesValidations().stream().map(ValidationRule::getRule).forEach(out::add);
    }
    if (p.getProperties() != null) {
      p.getProperties().values().forEach(c -> collectRules(c, out));
    }
    if (p.getAdditionalProperties() != null) {
      collectRules(p.getAdditionalProperties().getSchema(), out);
    }
    if (p.getItems() != null) {
      collectRules(p.getItems().getSchema(), out);
    }
  }

  /** Closes objects (strict field validation) and turns list-type set into uniqueItems. */
  private static JsonNode asApiServerValidates(JsonNode node) {
    if (node instanceof ObjectNode o) {
      if (o.has("properties")
          && !o.has("additionalProperties")
          && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
        o.put("additionalProperties", false);
      }
      if ("set".equals(o.path("x-kubernetes-list-type").asText())) {
        o.put("uniqueItems", true);
      }
      o.remove(List.of("x-kubernetes-validations", "x-kubernetes-list-type"));
      o.fields().forEachRemaining(e -> asApiServerValidates(e.getValue()));
    } else if (node instanceof ArrayNode a) {
      a.forEach(CrdSchemaParityTest::asApiServerValidates);
    }
    return node;
  }

  // ---- the corpus ----

  /** One policy of the corpus; {@code rule} names the rejection rule it breaks, null if valid. */
  record Case(String name, String text, String rule) {}

  @Test
  void theSchemaAndTheParserAgreeOnEveryPolicyOfTheCorpus() throws IOException {
    List<Case> corpus = new ArrayList<>();
    corpus.addAll(repositoryPolicies());
    corpus.addAll(validVariations());
    corpus.addAll(invalidOnePerRule());

    List<String> table = new ArrayList<>();
    table.add("| rule broken | example | parser | JSON schema | CEL | API server | agree |");
    table.add("| --- | --- | --- | --- | --- | --- | --- |");
    List<String> disagreements = new ArrayList<>();
    Map<String, Integer> acceptedBySource = new LinkedHashMap<>();
    for (Case c : corpus) {
      String parserError = parserError(c.text());
      Verdicts v = schemaVerdicts(c.text());
      boolean parserAccepts = parserError == null;
      boolean schemaAccepts = v.accepts();
      boolean parserOnly = c.rule() != null && PARSER_ONLY.containsKey(c.rule());
      boolean agree = parserOnly ? !parserAccepts && schemaAccepts : parserAccepts == schemaAccepts;
      if (c.rule() == null && parserAccepts) {
        acceptedBySource.merge(c.name().replaceAll(" .*", ""), 1, Integer::sum);
      }
      if (c.rule() != null && parserAccepts) {
        disagreements.add(c.name() + ": the parser accepts an example of '" + c.rule() + "'");
      }
      if (!agree) {
        disagreements.add(
            c.name()
                + " ("
                + c.rule()
                + "): parser "
                + (parserAccepts ? "accepts" : parserError)
                + "; schema "
                + v);
      }
      if (c.rule() != null || !parserAccepts) {
        table.add(
            "| "
                + (c.rule() == null ? "(none: " + c.name() + ")" : c.rule())
                + " | "
                + c.name().replace("|", "/")
                + " | "
                + (parserAccepts ? "accepts" : "rejects")
                + " | "
                + v.json()
                + " | "
                + v.cel()
                + " | "
                + v.apiServer()
                + " | "
                + (agree ? (parserOnly ? "parser only (listed)" : "yes") : "NO")
                + " |");
      }
    }
    long valid = corpus.stream().filter(c -> c.rule() == null).count();
    table.add(
        "| (none) | "
            + valid
            + " valid policies: "
            + acceptedBySource
            + " | accepts | accepts | accepts | accepts | yes |");
    String printed = String.join("\n", table);
    System.out.println("CRD schema / parser parity\n" + printed);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "crd-parity.md"), printed + "\n");
    assertThat(disagreements).isEmpty();
    assertThat(valid).isGreaterThan(20);
  }

  /** Why the parser (and the providers, as Envelope.build) refuse {@code text}; null if valid. */
  private static String parserError(String text) {
    try {
      KeyPolicy p = KeyPolicy.parse(text, "corpus");
      Envelope.builder().policy(p).discoverProviders().build().close();
      return null;
    } catch (EnvelopeException e) {
      return e.getClass().getSimpleName();
    }
  }

  record Verdicts(String json, String cel, String apiServer) {
    boolean accepts() {
      return json.equals("accepts") && cel.equals("accepts") && apiServer.equals("accepts");
    }
  }

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private static Verdicts schemaVerdicts(String text) {
    JsonNode doc;
    try {
      doc = YAML.readTree(text);
    } catch (IOException e) {
      return new Verdicts("rejects (not YAML)", "n/a", "rejects");
    }
    if (doc == null || !doc.isObject()) {
      return new Verdicts("rejects (not an object)", "n/a", "rejects");
    }
    ObjectNode manifest;
    if (doc.has("apiVersion") || doc.has("kind")) {
      manifest = (ObjectNode) doc;
    } else {
      manifest = JSON.createObjectNode();
      manifest.put("apiVersion", KeyPolicy.API_VERSION);
      manifest.put("kind", KeyPolicy.KIND);
      manifest.putObject("metadata").put("name", "corpus");
      manifest.set("spec", doc);
    }
    String api =
        KeyPolicy.API_VERSION.equals(manifest.path("apiVersion").asText())
                && KeyPolicy.KIND.equals(manifest.path("kind").asText())
                && manifest.path("metadata").path("name").isTextual()
                && manifest.path("metadata").path("name").asText().length() <= 253
                && DNS_SUBDOMAIN.matcher(manifest.path("metadata").path("name").asText()).matches()
            ? "accepts"
            : "rejects";
    List<com.networknt.schema.Error> errors;
    try {
      errors = schema.validate(JSON.writeValueAsString(manifest), InputFormat.JSON);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (!errors.isEmpty()) {
      String first = errors.get(0).getKeyword();
      return new Verdicts("rejects (" + first + ")", "n/a", api);
    }
    List<String> failed = new ArrayList<>();
    cel(openApi, manifest, failed);
    return new Verdicts(
        "accepts", failed.isEmpty() ? "accepts" : "rejects (" + failed.get(0) + ")", api);
  }

  /** Runs each x-kubernetes-validations rule on the value its schema node describes. */
  private static void cel(JsonNode schemaNode, JsonNode value, List<String> failed) {
    for (JsonNode rule : schemaNode.path("x-kubernetes-validations")) {
      String expr = rule.get("rule").asText();
      try {
        Object result =
            CEL_RUNTIME
                .createProgram(CEL.compile(expr).getAst())
                .eval(Map.of("self", toJava(value)));
        if (!Boolean.TRUE.equals(result)) {
          failed.add(rule.path("message").asText(expr));
        }
      } catch (Exception e) {
        failed.add("error " + e.getClass().getSimpleName() + " in " + expr);
      }
    }
    if (value.isObject()) {
      schemaNode
          .path("properties")
          .fields()
          .forEachRemaining(
              e -> {
                if (value.has(e.getKey())) {
                  cel(e.getValue(), value.get(e.getKey()), failed);
                }
              });
      if (schemaNode.path("additionalProperties").isObject()) {
        value
            .fields()
            .forEachRemaining(
                e -> cel(schemaNode.get("additionalProperties"), e.getValue(), failed));
      }
    } else if (value.isArray() && schemaNode.has("items")) {
      value.forEach(v -> cel(schemaNode.get("items"), v, failed));
    }
  }

  private static Object toJava(JsonNode n) {
    if (n.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      n.fields().forEachRemaining(e -> m.put(e.getKey(), toJava(e.getValue())));
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      n.forEach(e -> l.add(toJava(e)));
      return l;
    }
    if (n.isIntegralNumber()) {
      return n.longValue();
    }
    if (n.isNumber()) {
      return n.doubleValue();
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    return n.asText();
  }

  /** Every policy file and Markdown YAML block of the repository that names keys. */
  private static List<Case> repositoryPolicies() throws IOException {
    List<Case> out = new ArrayList<>();
    Path root = Crd.root();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String rel = root.relativize(f).toString();
        if (rel.contains("/target/")
            || rel.startsWith(".")
            || rel.contains("node_modules")
            || rel.startsWith("target/")
            || rel.contains("/.")) {
          continue;
        }
        String text;
        if (rel.endsWith(".yaml") || rel.endsWith(".yml") || rel.endsWith(".json")) {
          text = Files.readString(f, StandardCharsets.UTF_8);
          if (looksLikePolicy(text)) {
            out.add(new Case("file " + rel, text, null));
          }
        } else if (rel.endsWith(".md")) {
          Matcher m =
              Pattern.compile("```ya?ml\\n(.*?)```", Pattern.DOTALL)
                  .matcher(Files.readString(f, StandardCharsets.UTF_8));
          int n = 0;
          while (m.find()) {
            n++;
            if (looksLikePolicy(m.group(1))) {
              out.add(new Case("docs " + rel + " block " + n, m.group(1), null));
            }
          }
        }
      }
    }
    return out;
  }

  private static boolean looksLikePolicy(String text) {
    return Pattern.compile("(?m)^keys:").matcher(text).find()
        || Pattern.compile("(?m)^kind: KeyPolicy").matcher(text).find();
  }

  private static String key(String body) {
    return "version: 1\nkeys:\n  payments:\n" + body;
  }

  private static List<Case> validVariations() throws IOException {
    String hpke = HpkeKekProvider.generate("x25519", hpkeDir).uri();
    String hpkeXwing = HpkeKekProvider.generate("xwing", hpkeDir).uri();
    List<Case> out = new ArrayList<>();
    List<String> uris =
        List.of(
            "local://payments-2026",
            "tink-keyset://Payments_v2.1",
            "aws-kms://arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "aws-kms://arn:aws-cn:kms:cn-north-1:111122223333:alias/payments",
            "aws-kms://arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            "gcp-kms://projects/payments-prod/locations/europe-west2/keyRings/env/cryptoKeys/pay",
            "gcp-kms://projects/payments-prod/locations/global/keyRings/env/cryptoKeys/pay/"
                + "cryptoKeyVersions/3",
            "azure-kv://payments.vault.azure.net/keys/kek",
            "azure-kv://payments-hsm.managedhsm.azure.net/keys/kek/0123456789abcdef0123456789abcdef",
            "pkcs11://token=payments-hsm;object=payments-kek",
            "pkcs11://slot-id=3;id=%01%02",
            hpke,
            hpkeXwing,
            "memory://a-provider-of-your-own",
            "x.y+z://anything!goes~here");
    for (String uri : uris) {
      out.add(
          new Case(
              "generated uri " + uri.substring(0, Math.min(40, uri.length())),
              key("    keks: [\"" + uri + "\"]\n"),
              null));
    }
    out.add(
        new Case(
            "generated uri of 2048 characters",
            key("    keks: [memory://" + "a".repeat(2048 - 9) + "]\n"),
            null));
    out.add(
        new Case(
            "generated 16 keks and 64 decryptOnly",
            key(
                "    keks: ["
                    + range("local://k", 16)
                    + "]\n    decryptOnly: ["
                    + range("local://d", 64)
                    + "]\n    minWrap: 16\n"),
            null));
    out.add(
        new Case(
            "generated 1000 logical keys",
            "version: 1\nkeys:\n"
                + IntStream.range(0, 1000)
                    .mapToObj(i -> "  k" + i + ": {keks: [local://k]}\n")
                    .collect(Collectors.joining()),
            null));
    out.add(
        new Case(
            "generated key ids with punctuation",
            "version: 1\nkeys:\n  \"a.b_c:d/e-f\": {keks: [local://k]}\n  \""
                + "x".repeat(128)
                + "\": {keks: [local://k]}\n",
            null));
    for (String age :
        List.of("PT5M", "P1D", "PT0.5S", "P1DT0S", "PT1H30M", "PT86400S", "PT1M0.25S")) {
      out.add(
          new Case(
              "generated maxAge " + age,
              key("    keks: [local://a]\n    dataKeyCache: {maxAge: " + age + "}\n"),
              null));
    }
    for (String bytes : List.of("1", "64GiB", "\"1 MiB\"", "1099511627776", "1TiB", "\" 5 \"")) {
      out.add(
          new Case(
              "generated maxBytes " + bytes,
              key("    keks: [local://a]\n    dataKeyCache: {maxBytes: " + bytes + "}\n"),
              null));
    }
    out.add(
        new Case(
            "generated rotationPeriod",
            key("    keks: [local://a]\n    rotationPeriod: P90D\n"),
            null));
    out.add(
        new Case(
            "generated maxMessages bounds",
            key("    keks: [local://a]\n    dataKeyCache: {maxMessages: 2147483648}\n"),
            null));
    out.add(
        new Case(
            "generated empty decryptOnly",
            key("    keks: [local://a]\n    decryptOnly: []\n"),
            null));
    out.add(
        new Case(
            "generated manifest with status and spec.version",
            "apiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\nmetadata: {name: a.b-c}\n"
                + "spec: {version: 1, keys: {k: {keks: [local://a]}}}\nstatus: {seen: true}\n",
            null));
    return out;
  }

  private static String range(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> prefix + i).collect(Collectors.joining(", "));
  }

  private static List<Case> invalidOnePerRule() {
    List<Case> out = new ArrayList<>();
    String manifest = "apiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\nmetadata: {name: k}\n";
    Object[][] rules = {
      {"not YAML or JSON", "version: 1\nkeys: {a: [\n"},
      {"top level not a mapping", "- version: 1\n"},
      {"unknown top-level field", "version: 1\nowner: me\nkeys: {a: {keks: [local://a]}}\n"},
      {"plain form: version required", "keys: {a: {keks: [local://a]}}\n"},
      {"version must be 1", "version: 2\nkeys: {a: {keks: [local://a]}}\n"},
      {"keys required", "version: 1\n"},
      {"keys a mapping", "version: 1\nkeys: [a]\n"},
      {"keys not empty", "version: 1\nkeys: {}\n"},
      {
        "at most 1000 keys",
        "version: 1\nkeys:\n"
            + IntStream.range(0, 1001)
                .mapToObj(i -> "  k" + i + ": {keks: [local://k]}\n")
                .collect(Collectors.joining())
      },
      {"logical key id syntax", "version: 1\nkeys: {\"-bad\": {keks: [local://a]}}\n"},
      {
        "logical key id at most 128",
        "version: 1\nkeys: {" + "x".repeat(129) + ": {keks: [local://a]}}\n"
      },
      {"logical key a mapping", "version: 1\nkeys: {a: 3}\n"},
      {"unknown logical key field", key("    keks: [local://a]\n    wrap: all\n")},
      {"keks required", key("    decryptOnly: [local://a]\n")},
      {"keks not empty", key("    keks: []\n")},
      {"keks a list", key("    keks: local://a\n")},
      {"kek a string", key("    keks: [3]\n")},
      {"kek not blank", key("    keks: [\" \"]\n")},
      {"kek without surrounding spaces", key("    keks: [\" local://a\"]\n")},
      {"at most 16 keks", key("    keks: [" + range("local://k", 17) + "]\n")},
      {
        "at most 64 decryptOnly",
        key("    keks: [local://a]\n    decryptOnly: [" + range("local://d", 65) + "]\n")
      },
      {"decryptOnly a list", key("    keks: [local://a]\n    decryptOnly: local://b\n")},
      {"kek uri syntax", key("    keks: [notauri]\n")},
      {"kek uri scheme lower case", key("    keks: [Local://a]\n")},
      {"kek uri no spaces", key("    keks: [\"memory://a b\"]\n")},
      {"kek uri at most 2048", key("    keks: [memory://" + "a".repeat(2040) + "]\n")},
      {"kek uri ascii", key("    keks: [\"memory://caf\u00e9\"]\n")},
      {"kek listed twice in keks", key("    keks: [local://a, local://a]\n")},
      {"kek in keks and decryptOnly", key("    keks: [local://a]\n    decryptOnly: [local://a]\n")},
      {"minWrap an integer", key("    keks: [local://a]\n    minWrap: \"1\"\n")},
      {"minWrap whole", key("    keks: [local://a]\n    minWrap: 1.5\n")},
      {"minWrap at least 1", key("    keks: [local://a]\n    minWrap: 0\n")},
      {"minWrap at most keks", key("    keks: [local://a, local://b]\n    minWrap: 3\n")},
      {"dataKeyCache a mapping", key("    keks: [local://a]\n    dataKeyCache: 5\n")},
      {"unknown dataKeyCache field", key("    keks: [local://a]\n    dataKeyCache: {ttl: PT5M}\n")},
      {"maxAge ISO-8601", key("    keks: [local://a]\n    dataKeyCache: {maxAge: 5m}\n")},
      {"maxAge without signs", key("    keks: [local://a]\n    dataKeyCache: {maxAge: PT-5M}\n")},
      {"maxAge a component", key("    keks: [local://a]\n    dataKeyCache: {maxAge: PT}\n")},
      {"maxAge positive", key("    keks: [local://a]\n    dataKeyCache: {maxAge: PT0S}\n")},
      {"maxAge at most P1D", key("    keks: [local://a]\n    dataKeyCache: {maxAge: P2D}\n")},
      {"rotationPeriod ISO-8601", key("    keks: [local://a]\n    rotationPeriod: 90d\n")},
      {
        "rotationPeriod positive and at most P3650D",
        key("    keks: [local://a]\n    rotationPeriod: P3651D\n")
      },
      {
        "maxMessages an integer",
        key("    keks: [local://a]\n    dataKeyCache: {maxMessages: \"5\"}\n")
      },
      {
        "maxMessages at least 1", key("    keks: [local://a]\n    dataKeyCache: {maxMessages: 0}\n")
      },
      {
        "maxMessages at most 2^31",
        key("    keks: [local://a]\n    dataKeyCache: {maxMessages: 2147483649}\n")
      },
      {"maxBytes syntax", key("    keks: [local://a]\n    dataKeyCache: {maxBytes: 64GB}\n")},
      {"maxBytes at least 1", key("    keks: [local://a]\n    dataKeyCache: {maxBytes: 0}\n")},
      {
        "maxBytes at most 1TiB",
        key("    keks: [local://a]\n    dataKeyCache: {maxBytes: 1099511627777}\n")
      },
      {
        "maxBytes string at most 1TiB",
        key("    keks: [local://a]\n    dataKeyCache: {maxBytes: 2TiB}\n")
      },
      {"local key name", key("    keks: [local://-x]\n")},
      {"tink-keyset key name", key("    keks: [tink-keyset://a/b]\n")},
      {"aws-kms arn", key("    keks: [\"aws-kms://arn:aws:kms:eu-west-2:1111:key/x\"]\n")},
      {"gcp-kms resource name", key("    keks: [gcp-kms://projects/p/keyRings/r/cryptoKeys/k]\n")},
      {"azure-kv key uri", key("    keks: [azure-kv://payments.example.com/keys/kek]\n")},
      {
        "pkcs11 no query attributes",
        key("    keks: [\"pkcs11://token=t;object=o?pin-value=1234\"]\n")
      },
      {"pkcs11 attributes", key("    keks: [\"pkcs11://colour=blue\"]\n")},
      {"hpke suite", key("    keks: [hpke://p256/AAAA]\n")},
      {"hpke public key length and encoding", key("    keks: [hpke://x25519/AAAA]\n")},
      {
        "manifest apiVersion",
        "apiVersion: envelope.dev/v2\nkind: KeyPolicy\nmetadata: {name: k}\n"
            + "spec: {keys: {a: {keks: [local://a]}}}\n"
      },
      {
        "manifest kind",
        "apiVersion: envelope.dev/v1alpha1\nkind: Policy\nmetadata: {name: k}\n"
            + "spec: {keys: {a: {keks: [local://a]}}}\n"
      },
      {
        "manifest metadata.name",
        "apiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\n"
            + "metadata: {name: Shared_Keys}\nspec: {keys: {a: {keks: [local://a]}}}\n"
      },
      {"manifest spec required", manifest},
      {"manifest unknown field", manifest + "spec: {keys: {a: {keks: [local://a]}}}\nowner: me\n"},
      {
        "manifest spec.version must be 1",
        manifest + "spec: {version: 2, keys: {a: {keks: [local://a]}}}\n"
      },
      {"manifest unknown spec field", manifest + "spec: {keys: {a: {keks: [local://a]}}, x: 1}\n"},
    };
    for (Object[] r : rules) {
      String text = (String) r[1];
      out.add(new Case("invalid " + r[0], text, (String) r[0]));
    }
    return out;
  }
}
