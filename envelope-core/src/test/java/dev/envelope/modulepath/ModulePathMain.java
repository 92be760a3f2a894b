package dev.envelope.modulepath;

import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Run by {@code dev.envelope.core.ModulePathTest} from the class path (in a package of its own,
 * since the module owns {@code dev.envelope.core}) against envelope-core on the module path: prints
 * the module of the API, seals and opens a message, and tries the unexported packages.
 */
public final class ModulePathMain {
  private ModulePathMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    System.out.println("module " + Envelope.class.getModule().getName());
    LocalKekProvider.generate(dir.resolve("m.key"));
    KeyPolicy policy = KeyPolicy.builder().key("m", List.of("local://m"), List.of()).build();
    LocalConfig config =
        LocalConfig.builder().provider("local", Map.of("dir", dir.toString())).build();
    byte[] message = "on the module path".getBytes(StandardCharsets.UTF_8);
    try (Envelope envelope = Envelope.builder().policy(policy).localConfig(config).build()) {
      byte[] opened = envelope.decrypt(envelope.encrypt("m", message, Map.of()), Map.of());
      if (!Arrays.equals(opened, message)) {
        throw new AssertionError("round trip failed");
      }
      System.out.println("round trip ok");
    }
    // Public static methods of the two unexported packages: code outside the module may not call
    // them, whatever their modifiers say.
    probe(
        Class.forName("dev.envelope.core.internal.PolicyKeys")
            .getMethod("require", KeyPolicy.class, String.class),
        policy,
        "m");
    probe(
        Class.forName("dev.envelope.core.format.HeaderCodec")
            .getMethod("u16", byte[].class, int.class),
        new byte[2],
        0);
  }

  private static void probe(Method method, Object... args) throws Exception {
    String pkg = method.getDeclaringClass().getPackageName();
    System.out.println(
        pkg + (Envelope.class.getModule().isExported(pkg) ? " EXPORTED" : " not exported"));
    try {
      method.invoke(null, args);
      System.out.println(pkg + " was callable from outside the module");
    } catch (IllegalAccessException expected) {
      System.out.println(pkg + " refused: " + expected.getClass().getSimpleName());
    }
  }
}
