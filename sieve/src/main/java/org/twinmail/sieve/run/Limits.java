package org.twinmail.sieve.run;

/**
 * The bounds of one run (docs/sieve.md lists their config names and defaults).
 *
 * @param maxScriptBytes  largest script compiled
 * @param maxInstructions commands and tests run per message, includes counted
 * @param maxRedirects    redirect actions per message
 * @param maxIncludeDepth nesting of include
 * @param maxVariableBytes longest variable value (longer values are truncated, RFC 5229 3)
 */
public record Limits(int maxScriptBytes, int maxInstructions, int maxRedirects, int maxIncludeDepth, int maxVariableBytes) {
    public static final Limits DEFAULTS = new Limits(64 * 1024, 10_000, 4, 8, 4096);
}
