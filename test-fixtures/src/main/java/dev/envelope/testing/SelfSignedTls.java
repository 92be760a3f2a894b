package dev.envelope.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate for 127.0.0.1 made at test time with the JDK's {@code keytool} (no key material is
 * checked in), with a server {@link SSLContext} that presents it and a client one that trusts only
 * it. SDKs that insist on HTTPS (Azure Key Vault, Entra ID, Google's STS) talk to loopback fakes
 * through these.
 */
public final class SelfSignedTls {
  private final SSLContext server;
  private final SSLContext client;

  private SelfSignedTls(SSLContext server, SSLContext client) {
    this.server = server;
    this.client = client;
  }

  /** Generates a fresh EC P-256 key and self-signed certificate for IP 127.0.0.1 and localhost. */
  public static SelfSignedTls create() {
    try {
      Path dir = Files.createTempDirectory("loopback-tls-");
      Path store = dir.resolve("server.p12");
      char[] password = "loopback".toCharArray();
      String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
      Process p =
          new ProcessBuilder(
                  List.of(
                      keytool,
                      "-genkeypair",
                      "-alias",
                      "server",
                      "-keyalg",
                      "EC",
                      "-groupname",
                      "secp256r1",
                      "-dname",
                      "CN=127.0.0.1",
                      "-ext",
                      "SAN=ip:127.0.0.1,dns:localhost",
                      "-validity",
                      "2",
                      "-keystore",
                      store.toString(),
                      "-storetype",
                      "PKCS12",
                      "-storepass",
                      new String(password),
                      "-keypass",
                      new String(password)))
              .redirectErrorStream(true)
              .start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool failed: " + out);
      }
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        keys.load(in, password);
      }
      Files.delete(store);
      Files.delete(dir);
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
      SSLContext server = SSLContext.getInstance("TLS");
      server.init(kmf.getKeyManagers(), null, null);

      Certificate certificate = keys.getCertificate("server");
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("loopback", certificate);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext client = SSLContext.getInstance("TLS");
      client.init(null, tmf.getTrustManagers(), null);
      return new SelfSignedTls(server, client);
    } catch (IOException | InterruptedException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a loopback TLS certificate", e);
    }
  }

  public SSLContext serverContext() {
    return server;
  }

  /** Trusts this certificate only. */
  public SSLContext clientContext() {
    return client;
  }

  /**
   * Makes the client context the JVM default, for SDKs that build their HTTP clients (or let a
   * library such as MSAL build one) from {@link SSLContext#getDefault()}. Tests only.
   */
  public void installAsDefault() {
    SSLContext.setDefault(client);
    javax.net.ssl.HttpsURLConnection.setDefaultSSLSocketFactory(client.getSocketFactory());
  }
}
