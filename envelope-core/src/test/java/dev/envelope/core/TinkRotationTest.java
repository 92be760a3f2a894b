package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import dev.envelope.core.local.TinkKeysetKekProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link TinkKeysetKekProvider#rotate}: the no-cloud KEK rotates inside its keyset file. */
class TinkRotationTest {
  private static final Map<String, String> CTX = Map.of("tenant", "acme");

  @Test
  void oldEnvelopesStillOpenAndNewOnesUseTheNewPrimary() throws Exception {
    try (Fixture fixture = new Fixture()) {
      String uri = fixture.tink("payments");
      Path file = fixture.dir.resolve("payments.json");
      KeyPolicy policy = Fixture.policy("payments", uri);
      byte[] old;
      try (Envelope before = fixture.envelope(policy)) {
        old = before.encrypt("payments", "old".getBytes(StandardCharsets.UTF_8), CTX);
      }
      int oldPrimary = keyset(file).getPrimary().getId();

      TinkKeysetKekProvider.Rotated rotated = TinkKeysetKekProvider.rotate(file);
      assertThat(rotated.keys()).isEqualTo(2);
      assertThat(rotated.primaryKeyId()).isNotEqualTo(oldPrimary);
      assertThat(keyset(file).getPrimary().getId()).isEqualTo(rotated.primaryKeyId());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");

      byte[] fresh;
      try (Envelope after = fixture.envelope(policy)) {
        assertThat(after.decrypt(old, CTX)).asString().isEqualTo("old");
        fresh = after.encrypt("payments", "new".getBytes(StandardCharsets.UTF_8), CTX);
      }
      // With the old key deleted from the keyset, the new envelope still opens: it was wrapped
      // under the new primary; the old one no longer does.
      KeysetHandle current = keyset(file);
      KeysetHandle.Builder onlyNew = KeysetHandle.newBuilder(current);
      for (int i = 0; i < current.size(); i++) {
        if (current.getAt(i).getId() == oldPrimary) {
          onlyNew.deleteAt(i); // the builder keeps the keyset's order
          break;
        }
      }
      Files.writeString(
          file,
          TinkJsonProtoKeysetFormat.serializeKeyset(
              onlyNew.build(), RegistryConfiguration.get(), InsecureSecretKeyAccess.get()));
      try (Envelope pruned = fixture.envelope(policy)) {
        assertThat(pruned.decrypt(fresh, CTX)).asString().isEqualTo("new");
        assertThatThrownBy(() -> pruned.decrypt(old, CTX))
            .isInstanceOf(AuthenticationException.class);
      }
    }
  }

  @Test
  void rotatingWhatIsNotAKeysetFailsAndLeavesTheFile() throws Exception {
    try (Fixture fixture = new Fixture()) {
      Path file = Files.writeString(fixture.dir.resolve("x.json"), "{\"not\": \"a keyset\"}");
      assertThatThrownBy(() -> TinkKeysetKekProvider.rotate(file))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a cleartext Tink AEAD keyset");
      assertThat(Files.readString(file)).isEqualTo("{\"not\": \"a keyset\"}");
      assertThatThrownBy(() -> TinkKeysetKekProvider.rotate(fixture.dir.resolve("none.json")))
          .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
  }

  private static KeysetHandle keyset(Path file) throws Exception {
    return TinkJsonProtoKeysetFormat.parseKeyset(
        Files.readString(file), RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
  }
}
