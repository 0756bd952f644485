package org.twinmail.filter.content;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The token classifier: tokens of a message, and Gary Robinson's combination of their
 * probabilities with Fisher's chi-square method, with SpamAssassin's constants (s = 0.16,
 * x = 0.538, tokens at least 0.346 from neutral, the 150 strongest). Pure functions; the counts
 * come from {@link BayesTokens}.
 */
public final class Bayes {
    static final double S = 0.16;
    static final double X = 0.538;
    static final double MIN_STRENGTH = 0.346;
    static final int MAX_SIGNIFICANT = 150;
    /** Distinct tokens taken from one message. */
    static final int MAX_TOKENS = 3000;
    /** Characters of body text tokenized. */
    static final int MAX_TEXT = 200_000;

    private Bayes() {
    }

    /** The token counts the classifier needs: spam and ham messages learned, and per token. */
    public interface Counts {
        long spamMessages();

        long hamMessages();

        /** The spam count (high 32 bits) and ham count (low 32 bits) of a token's hash; 0 if unknown. */
        long counts(long hash);
    }

    /** The distinct token hashes of an analysed message: subject words, body words, link hosts, the From domain, attachment types. */
    public static long[] tokens(ContentRules.Analysis a) {
        Set<String> out = new HashSet<>();
        words("s:", a.subject(), out);
        words("", a.text().length() > MAX_TEXT ? a.text().substring(0, MAX_TEXT) : a.text(), out);
        for (String h : a.hosts()) {
            if (out.size() >= MAX_TOKENS) break;
            out.add("u:" + h);
        }
        if (!a.fromDomain().isEmpty()) out.add("f:" + a.fromDomain());
        for (String n : a.fileNames()) {
            int dot = n.lastIndexOf('.');
            if (dot >= 0 && out.size() < MAX_TOKENS) out.add("a:" + n.substring(dot + 1).toLowerCase(Locale.ROOT));
        }
        long[] hashes = new long[out.size()];
        int i = 0;
        for (String t : out) hashes[i++] = hash(t);
        Arrays.sort(hashes);
        return hashes;
    }

    /** Words of 3 to 24 letters or digits, lower case, prefixed; at most {@link #MAX_TOKENS} in all. */
    static void words(String prefix, String text, Set<String> out) {
        StringBuilder w = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (Character.isLetterOrDigit(c) || c == '$' || c == '\'' && w.length() > 0) {
                if (w.length() < 40) w.append(Character.toLowerCase(c));
                continue;
            }
            if (w.length() >= 3 && w.length() <= 24) {
                if (out.size() >= MAX_TOKENS) return;
                out.add(prefix + w);
            }
            w.setLength(0);
        }
    }

    /** FNV-1a, 64 bits, of the token's UTF-8 octets. */
    static long hash(String token) {
        long h = 0xcbf29ce484222325L;
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * The probability that a message with these tokens is spam, 0 to 1 (0.5: no opinion), or -1
     * when nothing was learned of one of the two classes.
     */
    public static double spamProbability(long[] tokens, Counts counts) {
        long nspam = counts.spamMessages();
        long nham = counts.hamMessages();
        if (nspam <= 0 || nham <= 0) return -1;
        double[] f = new double[tokens.length];
        int n = 0;
        for (long t : tokens) {
            long c = counts.counts(t);
            if (c == 0) continue;
            double s = (c >>> 32);
            double h = (c & 0xffffffffL);
            double rs = s / nspam;
            double rh = h / nham;
            double p = rs / (rs + rh);
            double total = s + h;
            double fw = (S * X + total * p) / (S + total);
            if (Math.abs(fw - 0.5) < MIN_STRENGTH) continue;
            f[n++] = fw;
        }
        if (n == 0) return 0.5;
        if (n > MAX_SIGNIFICANT) { // the strongest: furthest from 0.5
            Double[] boxed = new Double[n];
            for (int i = 0; i < n; i++) boxed[i] = f[i];
            Arrays.sort(boxed, (a, b) -> Double.compare(Math.abs(b - 0.5), Math.abs(a - 0.5)));
            for (int i = 0; i < MAX_SIGNIFICANT; i++) f[i] = boxed[i];
            n = MAX_SIGNIFICANT;
        }
        double lnSpam = 0;
        double lnHam = 0;
        for (int i = 0; i < n; i++) {
            lnSpam += Math.log(f[i]);
            lnHam += Math.log(1 - f[i]);
        }
        double hamminess = chi2q(-2 * lnSpam, 2 * n);
        double spamminess = chi2q(-2 * lnHam, 2 * n);
        return (1 + hamminess - spamminess) / 2;
    }

    /** The upper tail of the chi-square distribution with {@code v} (even) degrees of freedom at {@code x2}. */
    static double chi2q(double x2, int v) {
        double m = x2 / 2;
        double term = Math.exp(-m);
        double sum = term;
        for (int i = 1; i < v / 2; i++) {
            term *= m / i;
            sum += term;
        }
        return Math.min(sum, 1.0);
    }

    /** The rule of the probability's band (BAYES_00 to BAYES_99). */
    public static String band(double p) {
        if (p >= 0.99) return "BAYES_99";
        if (p >= 0.95) return "BAYES_95";
        if (p >= 0.80) return "BAYES_80";
        if (p >= 0.60) return "BAYES_60";
        if (p >= 0.40) return "BAYES_50";
        if (p >= 0.05) return "BAYES_20";
        if (p >= 0.01) return "BAYES_05";
        return "BAYES_00";
    }
}
