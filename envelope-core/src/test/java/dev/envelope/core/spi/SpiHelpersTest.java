package dev.envelope.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.Test;

class SpiHelpersTest {
  @Test
  void sharedClientsAreMadeOncePerKeyAndClosedWithTheLastLease() {
    List<String> closed = new ArrayList<>();
    SharedClients<String, String> clients = new SharedClients<>(closed::add);
    SharedClients.Lease<String> a = clients.acquire("eu", () -> "client-eu");
    SharedClients.Lease<String> b = clients.acquire("eu", () -> "second-eu");
    SharedClients.Lease<String> c = clients.acquire("us", () -> "client-us");
    assertThat(b.clients()).isEqualTo("client-eu");
    assertThat(clients.size()).isEqualTo(2);
    a.release();
    a.release();
    assertThat(closed).isEmpty();
    b.release();
    assertThat(closed).containsExactly("client-eu");
    c.release();
    assertThat(closed).containsExactly("client-eu", "client-us");
    assertThat(clients.size()).isZero();
    assertThatThrownBy(
            () ->
                clients.acquire(
                    "x",
                    () -> {
                      throw new IllegalStateException("no");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(clients.size()).isZero();

    // open(): a KEK that fails to open releases its clients; one that opens holds them.
    assertThatThrownBy(
            () ->
                clients.open(
                    "eu",
                    () -> "client-eu",
                    (client, release) -> {
                      throw new IllegalArgumentException("bad key");
                    }))
        .hasMessage("bad key");
    assertThat(clients.size()).isZero();
    assertThat(closed).endsWith("client-eu");
    Kek kek =
        clients.open(
            "eu",
            () -> "client-eu",
            (client, release) ->
                new Kek() {
                  @Override
                  public String uri() {
                    return "test://" + client;
                  }

                  @Override
                  public WrapAlgorithm algorithm() {
                    return WrapAlgorithm.AES_256_KWP;
                  }

                  @Override
                  public byte[] wrap(SecretBytes k, WrapContext x) {
                    return new byte[1];
                  }

                  @Override
                  public SecretBytes unwrap(byte[] w, WrapContext x) {
                    return SecretBytes.copyOf(new byte[32]);
                  }

                  @Override
                  public void close() {
                    release.run();
                  }
                });
    assertThat(clients.size()).isEqualTo(1);
    kek.close();
    assertThat(clients.size()).isZero();
  }

  @Test
  void rsaOaep256WrapsWhatTheJceOpensAndRefusesSmallKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    RSAPublicKey pub = RsaOaep256.publicKey(pair.getPublic().getEncoded());
    SecretBytes dek = SecretBytes.copyOf(new byte[32]);
    byte[] wrapped = RsaOaep256.wrap(pub, dek);
    Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
    oaep.init(
        Cipher.DECRYPT_MODE,
        pair.getPrivate(),
        new OAEPParameterSpec(
            "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    assertThat(oaep.doFinal(wrapped)).isEqualTo(new byte[32]);

    generator.initialize(1024);
    byte[] small = generator.generateKeyPair().getPublic().getEncoded();
    assertThatThrownBy(() -> RsaOaep256.publicKey(small)).hasMessageContaining("2048");
    assertThatThrownBy(() -> RsaOaep256.publicKey(new byte[] {1, 2}))
        .hasMessageContaining("SubjectPublicKeyInfo");
  }
}
