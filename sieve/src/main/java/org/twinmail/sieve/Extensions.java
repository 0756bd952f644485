package org.twinmail.sieve;

import java.util.List;
import java.util.Set;

/** The Sieve extensions this engine implements: the SIEVE capability of ManageSieve, in this order. */
public final class Extensions {
    private Extensions() {}

    public static final List<String> SUPPORTED = List.of(
            "fileinto", "reject", "ereject", "envelope", "encoded-character", "imap4flags", "body", "variables",
            "vacation", "vacation-seconds", "relational", "comparator-i;ascii-numeric", "comparator-i;octet",
            "comparator-i;ascii-casemap", "subaddress", "date", "index", "mailbox", "editheader", "duplicate",
            "copy", "include");

    private static final Set<String> SET = Set.copyOf(SUPPORTED);

    public static boolean supported(String name) {
        return SET.contains(name);
    }

    /** The capability string: the supported extensions separated by spaces. */
    public static String capability() {
        return String.join(" ", SUPPORTED);
    }
}
