package dev.envelope.samples.notes;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A notes service that stores every note encrypted under the logical key {@code notes}. The only
 * Envelope configuration is {@code application.yaml} (where the policy and local config are); the
 * {@code Envelope} bean comes from the starter.
 */
@SpringBootApplication
public class NotesApplication {
  public static void main(String[] args) {
    SpringApplication.run(NotesApplication.class, args);
  }
}
