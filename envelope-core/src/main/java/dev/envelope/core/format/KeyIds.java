package dev.envelope.core.format;

import java.util.regex.Pattern;

/**
 * The one rule for logical key ids, shared by the key policy and the envelope header ({@code
 * docs/FORMAT.md} §2): 1 to 128 characters of {@code A-Z a-z 0-9 . _ : / -}, starting with a letter
 * or digit. ASCII only, so an id is the same string in every language, log and metric tag, and no
 * two ids look alike.
 */
public final class KeyIds {
  /** The rule, as error messages state it. */
  public static final String RULE =
      "1-128 characters of A-Z a-z 0-9 . _ : / - starting with a letter or digit";

  /** The most characters (and so UTF-8 bytes) a key id has. */
  public static final int MAX_LENGTH = 128;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

  private KeyIds() {}

  public static boolean isValid(String id) {
    return id != null && ID.matcher(id).matches();
  }
}
