package dev.envelope.kms.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.models.KeyRotationLifetimeAction;
import com.azure.security.keyvault.keys.models.KeyRotationPolicy;
import com.azure.security.keyvault.keys.models.KeyRotationPolicyAction;
import dev.envelope.core.spi.KeyRotation;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.Period;

/**
 * A Key Vault key's rotation as Key Vault reports it: the key's rotation policy (a {@code Rotate}
 * lifetime action after {@code timeAfterCreate}, or before expiry) and the {@code created} time of
 * the version this KEK wraps under.
 */
final class KeyVaultRotation {
  private KeyVaultRotation() {}

  static KeyRotation of(KeyClient keys, String name, String version) {
    try {
      OffsetDateTime createdOn = keys.getKey(name, version).getProperties().getCreatedOn();
      Instant created = createdOn == null ? null : createdOn.toInstant();
      KeyRotationPolicy policy = keys.getKeyRotationPolicy(name);
      Duration every = null;
      for (KeyRotationLifetimeAction a : policy.getLifetimeActions()) {
        if (!KeyRotationPolicyAction.ROTATE.equals(a.getAction())) {
          continue;
        }
        if (a.getTimeAfterCreate() != null) {
          every = iso(a.getTimeAfterCreate());
        } else if (a.getTimeBeforeExpiry() != null && policy.getExpiresIn() != null) {
          every = iso(policy.getExpiresIn()).minus(iso(a.getTimeBeforeExpiry()));
        }
      }
      String evidence = "Key Vault rotation policy of " + name + ", created of version " + version;
      if (every != null && !every.isNegative() && !every.isZero()) {
        return KeyRotation.automatic(
            every, created == null ? null : created.plus(every), created, evidence);
      }
      return KeyRotation.manual(created, evidence + " (no Rotate action)");
    } catch (HttpResponseException e) {
      return KeyRotation.unknown(
          "Key Vault refused the rotation calls: HTTP " + e.getResponse().getStatusCode());
    } catch (RuntimeException e) {
      return KeyRotation.unknown("Key Vault could not be reached: " + e.getClass().getSimpleName());
    }
  }

  /** ISO-8601 as Key Vault writes it: days and times, or years and months (P1Y is 365 days). */
  static Duration iso(String text) {
    try {
      return Duration.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      Period p = Period.parse(text);
      return Duration.ofDays(p.getYears() * 365L + p.getMonths() * 30L + p.getDays());
    }
  }
}
