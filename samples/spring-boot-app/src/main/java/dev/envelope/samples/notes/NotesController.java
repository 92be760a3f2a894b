package dev.envelope.samples.notes;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /notes} stores a note sealed under the logical key {@code notes}, bound to its id and
 * owner (the envelope's context); {@code GET /notes/{id}} opens it for that owner only; {@code GET
 * /notes/{id}/stored} shows what the "database" holds: the envelope, and what anyone can read of it
 * without a key.
 */
@RestController
public class NotesController {
  private final Envelope envelope;

  /** Stands for a database table: only envelopes are stored. */
  private final Map<String, byte[]> table = new ConcurrentHashMap<>();

  public NotesController(Envelope envelope) {
    this.envelope = envelope;
  }

  @PostMapping("/notes")
  public ResponseEntity<Map<String, String>> create(
      @RequestHeader("X-User") String user, @RequestBody String text) {
    String id = UUID.randomUUID().toString();
    table.put(
        id, envelope.encrypt("notes", text.getBytes(StandardCharsets.UTF_8), context(id, user)));
    return ResponseEntity.status(HttpStatus.CREATED).body(Map.of("id", id));
  }

  @GetMapping("/notes/{id}")
  public ResponseEntity<String> read(
      @RequestHeader("X-User") String user, @PathVariable String id) {
    byte[] stored = table.get(id);
    if (stored == null) {
      return ResponseEntity.notFound().build();
    }
    return ResponseEntity.ok(
        new String(envelope.decrypt(stored, context(id, user)), StandardCharsets.UTF_8));
  }

  @GetMapping("/notes/{id}/stored")
  public ResponseEntity<Map<String, Object>> stored(@PathVariable String id) {
    byte[] stored = table.get(id);
    if (stored == null) {
      return ResponseEntity.notFound().build();
    }
    EnvelopeInfo info = Envelope.inspect(stored);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("envelope", Base64.getEncoder().encodeToString(stored));
    out.put("logicalKey", info.logicalKeyId());
    out.put("algorithm", info.algorithm().toString());
    out.put("context", info.context());
    out.put("recipients", info.recipients().size());
    return ResponseEntity.ok(out);
  }

  /** Another user's context does not authenticate: the note is not theirs. */
  @ExceptionHandler(AuthenticationException.class)
  public ResponseEntity<String> notYours() {
    return ResponseEntity.status(HttpStatus.FORBIDDEN).body("not your note\n");
  }

  private static Map<String, String> context(String id, String user) {
    return Map.of("note", id, "owner", user);
  }
}
