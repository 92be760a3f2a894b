package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the policy's life cycle over generated policies: what {@link PolicyCheck} calls
 * safe is exactly what keeps every envelope readable while clusters run either version, and the
 * digest depends on what a policy says, not how it is written.
 */
class PolicyProperties {
  private static final List<String> UNIVERSE =
      List.of("local://k1", "local://k2", "local://k3", "local://k4", "local://k5");

  /** One logical key's lists: keks non-empty, decryptOnly disjoint from it. */
  record Lists(List<String> keks, List<String> decryptOnly) {
    Set<String> all() {
      Set<String> s = new HashSet<>(keks);
      s.addAll(decryptOnly);
      return s;
    }
  }

  @Provide
  Arbitrary<Lists> lists() {
    return Arbitraries.of(UNIVERSE)
        .list()
        .uniqueElements()
        .ofMinSize(1)
        .ofMaxSize(5)
        .flatMap(
            all ->
                Arbitraries.integers()
                    .between(1, all.size())
                    .map(n -> new Lists(all.subList(0, n), all.subList(n, all.size()))));
  }

  private static KeyPolicy policy(Lists l) {
    return KeyPolicy.builder().key("payments", l.keks(), l.decryptOnly()).build();
  }

  /**
   * With minWrap at all keks, a step is readable both ways exactly when: everything the new version
   * wraps under, the old one can unwrap (clusters still on it open new envelopes); everything the
   * old one wraps under, the new one can unwrap (its envelopes, written until the last cluster
   * updates, stay readable); and nothing the old one could unwrap is dropped (stored envelopes
   * under a decrypt-only KEK stay readable). PolicyCheck's verdict must be exactly that.
   */
  @Property(tries = 500)
  void aStepIsSafeExactlyWhenEveryEnvelopeStaysReadableByBothVersions(
      @ForAll("lists") Lists before, @ForAll("lists") Lists after) {
    boolean newReadableByOld = before.all().containsAll(after.keks());
    boolean oldReadableByNew = after.all().containsAll(before.keks());
    boolean nothingDropped = after.all().containsAll(before.all());
    PolicyCheck.Report report = PolicyCheck.compare(policy(before), policy(after), Set.of());
    assertThat(report.safe())
        .as("%s -> %s: %s", before, after, report.findings())
        .isEqualTo(newReadableByOld && oldReadableByNew && nothingDropped);
  }

  /**
   * Vouching for the removal of decrypt-only KEKs (what an operator does after rewrapping) makes
   * only the third condition go away; a KEK that still wrapped may never be removed in one step.
   */
  @Property(tries = 500)
  void vouchingForRemovalsOnlyCoversDecryptOnlyKeks(
      @ForAll("lists") Lists before, @ForAll("lists") Lists after) {
    Set<String> removed = new HashSet<>(before.all());
    removed.removeAll(after.all());
    boolean safe = PolicyCheck.compare(policy(before), policy(after), removed).safe();
    boolean newReadableByOld = before.all().containsAll(after.keks());
    boolean oldReadableByNew = after.all().containsAll(before.keks());
    assertThat(safe).isEqualTo(newReadableByOld && oldReadableByNew);
  }

  @Provide
  Arbitrary<Map<String, Lists>> policies() {
    return Arbitraries.strings()
        .withChars("abcdefghij")
        .ofMinLength(1)
        .ofMaxLength(6)
        .set()
        .ofMinSize(1)
        .ofMaxSize(5)
        .flatMap(
            ids ->
                Combinators.combine(
                        lists().list().ofSize(ids.size()), Arbitraries.just(new ArrayList<>(ids)))
                    .as(
                        (ls, idList) -> {
                          Map<String, Lists> m = new LinkedHashMap<>();
                          for (int i = 0; i < idList.size(); i++) {
                            m.put(idList.get(i), ls.get(i));
                          }
                          return m;
                        }));
  }

  private static String plain(Map<String, Lists> keys, List<String> order) {
    StringBuilder sb = new StringBuilder("version: 1\nkeys:\n");
    for (String id : order) {
      Lists l = keys.get(id);
      sb.append("  ").append(id).append(":\n    keks: ").append(l.keks()).append('\n');
      if (!l.decryptOnly().isEmpty()) {
        sb.append("    decryptOnly: ").append(l.decryptOnly()).append('\n');
      }
    }
    return sb.toString();
  }

  /** The digest ignores the form, the key order and defaults written out; it sees every list. */
  @Property(tries = 200)
  void theDigestDependsOnWhatThePolicySaysNotHowItIsWritten(
      @ForAll("policies") Map<String, Lists> keys) {
    List<String> order = new ArrayList<>(keys.keySet());
    String text = plain(keys, order);
    KeyPolicy policy = KeyPolicy.parse(text, "p");
    Collections.reverse(order);
    String reordered = plain(keys, order);
    String manifest =
        "apiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\nmetadata: {name: p}\nspec:\n"
            + reordered.replace("version: 1\n", "").replaceAll("(?m)^", "  ");
    assertThat(KeyPolicy.parse(reordered, "p").digest()).isEqualTo(policy.digest());
    assertThat(KeyPolicy.parse(manifest, "m").digest()).isEqualTo(policy.digest());
    String withDefaults = text.replace("    keks:", "    dataKeyCache: {maxAge: PT5M}\n    keks:");
    assertThat(KeyPolicy.parse(withDefaults, "p").digest()).isEqualTo(policy.digest());
    // Changing any logical key's lists changes the digest.
    String first = keys.keySet().iterator().next();
    Lists l = keys.get(first);
    List<String> otherKeks = new ArrayList<>(l.keks());
    Collections.reverse(otherKeks);
    if (otherKeks.size() > 1) {
      Map<String, Lists> changed = new LinkedHashMap<>(keys);
      changed.put(first, new Lists(otherKeks, l.decryptOnly()));
      assertThat(KeyPolicy.parse(plain(changed, new ArrayList<>(keys.keySet())), "p").digest())
          .isNotEqualTo(policy.digest());
    }
  }
}
