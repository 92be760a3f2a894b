package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.internal.Providers;
import dev.envelope.core.spi.KekProvider;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The CLI carries every provider module: the core's scheme → module table names exactly the schemes
 * they serve, and for each the artifact whose jar holds the provider.
 */
class ProviderModulesTest {
  @Test
  void theModuleTableMatchesTheProvidersOnTheClassPath() {
    Map<String, String> found = new TreeMap<>();
    for (KekProvider provider : ServiceLoader.load(KekProvider.class)) {
      String jar =
          provider.getClass().getProtectionDomain().getCodeSource().getLocation().getPath();
      for (String scheme : provider.schemes()) {
        found.put(scheme, jar);
      }
    }
    Map<String, String> external = new TreeMap<>(Providers.MODULES);
    external.values().removeIf("envelope-core"::equals);
    assertThat(found.keySet()).isEqualTo(external.keySet());
    // A module's classes come from target/classes of its directory, or from its jar.
    found.forEach(
        (scheme, location) ->
            assertThat(location)
                .as(scheme)
                .containsAnyOf(
                    external.get(scheme).replace("envelope-", "") + "/",
                    external.get(scheme) + "-"));
  }
}
