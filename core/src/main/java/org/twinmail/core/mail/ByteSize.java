package org.twinmail.core.mail;

import java.util.Locale;

/** Sizes as administrators write them: "0" (unlimited where allowed), "512", "25M", "2G", "1.5G" (binary units). */
public final class ByteSize {
    private ByteSize() {}

    public static long parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty size");
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) s = s.substring(0, s.length() - 2);
        else if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) s = s.substring(0, s.length() - 1);
        else if (s.endsWith("B")) s = s.substring(0, s.length() - 1);
        long unit = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        switch (last) {
            case 'K' -> unit = 1L << 10;
            case 'M' -> unit = 1L << 20;
            case 'G' -> unit = 1L << 30;
            case 'T' -> unit = 1L << 40;
            default -> { }
        }
        if (unit != 1) s = s.substring(0, s.length() - 1);
        try {
            double v = Double.parseDouble(s.strip());
            if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) throw new NumberFormatException();
            double bytes = v * unit;
            if (bytes > Long.MAX_VALUE) throw new IllegalArgumentException("size too large: " + text);
            return (long) bytes;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size (use e.g. 512, 25M, 2G): " + text);
        }
    }

    /** Human form for listings: 0 shows as "unlimited" when {@code zeroIsUnlimited}. */
    public static String format(long bytes, boolean zeroIsUnlimited) {
        if (bytes == 0 && zeroIsUnlimited) return "unlimited";
        String[] units = {"", "K", "M", "G", "T"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1 && (v / 1024) == Math.floor(v / 1024)) { v /= 1024; u++; }
        if (u == 0 && bytes >= 1024) {
            v = bytes; u = 0;
            while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
            return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
        }
        return (long) v + units[u];
    }
}
