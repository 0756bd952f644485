package org.twinmail.core.mail;

/**
 * Makes a client-supplied string safe to log (as Postfix's printable()): control
 * characters and non-ASCII become '?' and the result is cut to a sane length, so a
 * hostile client cannot forge log lines or flood the log.
 */
public final class Printable {
    private static final int MAX = 200;

    private Printable() {}

    public static String of(String s) {
        if (s == null) return "";
        int n = Math.min(s.length(), MAX);
        StringBuilder b = new StringBuilder(n + 3);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c >= 0x7f ? '?' : c);
        }
        if (s.length() > MAX) b.append("...");
        return b.toString();
    }
}
