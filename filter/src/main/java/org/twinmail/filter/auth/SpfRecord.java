package org.twinmail.filter.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SPF record (RFC 7208 4.6, 5, 6), parsed strictly and apart from its evaluation:
 * {@link #parse} throws only {@link SpfSyntaxException}. Bounded: at most
 * {@link #MAX_LENGTH} characters and {@link #MAX_TERMS} terms.
 *
 * @param directives the mechanisms in order, with their qualifiers
 * @param redirect redirect= (a macro string), or null
 * @param exp exp= (a macro string), or null
 */
public record SpfRecord(List<Directive> directives, String redirect, String exp) {
    public static final int MAX_LENGTH = 4096;
    public static final int MAX_TERMS = 100;

    public enum Mechanism { ALL, INCLUDE, A, MX, PTR, IP4, IP6, EXISTS }

    /**
     * One mechanism with its qualifier.
     *
     * @param qualifier the result when it matches: PASS (+, the default), FAIL (-), SOFTFAIL (~), NEUTRAL (?)
     * @param domainSpec the macro string after ':' (null: the current domain)
     * @param network ip4/ip6: the network
     * @param cidr4 prefix for IPv4 (a, mx, ip4)
     * @param cidr6 prefix for IPv6 (a, mx, ip6)
     */
    public record Directive(SpfResult.Result qualifier, Mechanism mechanism, String domainSpec, InetAddress network, int cidr4, int cidr6) {}

    /** Whether a TXT record is an SPF record (RFC 7208 4.5): {@code v=spf1} then a space or the end. */
    public static boolean isSpf(String txt) {
        return txt.length() >= 6 && txt.substring(0, 6).equalsIgnoreCase("v=spf1") && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");
    private static final Pattern DUAL_CIDR = Pattern.compile("(?:/(0|[1-9][0-9]?))?(?://(0|[1-9][0-9]{0,2}))?$");

    public static SpfRecord parse(String txt) throws SpfSyntaxException {
        if (txt.length() > MAX_LENGTH) throw new SpfSyntaxException("record longer than " + MAX_LENGTH + " characters");
        if (!isSpf(txt)) throw new SpfSyntaxException("not an SPF record");
        for (int i = 0; i < txt.length(); i++) {
            char c = txt.charAt(i);
            if (c < 0x20 || c > 0x7e) throw new SpfSyntaxException("non-printable character in the record");
        }
        List<Directive> directives = new ArrayList<>();
        String redirect = null;
        String exp = null;
        String[] terms = txt.substring(6).split(" ");
        int count = 0;
        for (String term : terms) {
            if (term.isEmpty()) continue;
            if (++count > MAX_TERMS) throw new SpfSyntaxException("more than " + MAX_TERMS + " terms");
            int eq = term.indexOf('=');
            int colon = term.indexOf(':');
            int slash = term.indexOf('/');
            boolean modifier = eq > 0 && (colon < 0 || eq < colon) && (slash < 0 || eq < slash) && NAME.matcher(term.substring(0, eq)).matches();
            if (modifier) {
                String name = term.substring(0, eq).toLowerCase(Locale.ROOT);
                String value = term.substring(eq + 1);
                SpfMacro.validate(value, name.equals("exp"));
                switch (name) {
                    case "redirect" -> {
                        if (redirect != null) throw new SpfSyntaxException("redirect= given twice");
                        if (value.isEmpty()) throw new SpfSyntaxException("empty redirect=");
                        redirect = value;
                    }
                    case "exp" -> {
                        if (exp != null) throw new SpfSyntaxException("exp= given twice");
                        if (value.isEmpty()) throw new SpfSyntaxException("empty exp=");
                        exp = value;
                    }
                    default -> { } // unknown modifiers are ignored (RFC 7208 6)
                }
                continue;
            }
            directives.add(directive(term));
        }
        return new SpfRecord(List.copyOf(directives), redirect, exp);
    }

    private static Directive directive(String term) throws SpfSyntaxException {
        SpfResult.Result q = switch (term.charAt(0)) {
            case '+' -> SpfResult.Result.PASS;
            case '-' -> SpfResult.Result.FAIL;
            case '~' -> SpfResult.Result.SOFTFAIL;
            case '?' -> SpfResult.Result.NEUTRAL;
            default -> null;
        };
        String t = q == null ? term : term.substring(1);
        if (q == null) q = SpfResult.Result.PASS;
        int end = 0;
        while (end < t.length() && Character.isLetterOrDigit(t.charAt(end))) end++;
        String name = t.substring(0, end).toLowerCase(Locale.ROOT);
        String rest = t.substring(end);
        Mechanism m = switch (name) {
            case "all" -> Mechanism.ALL;
            case "include" -> Mechanism.INCLUDE;
            case "a" -> Mechanism.A;
            case "mx" -> Mechanism.MX;
            case "ptr" -> Mechanism.PTR;
            case "ip4" -> Mechanism.IP4;
            case "ip6" -> Mechanism.IP6;
            case "exists" -> Mechanism.EXISTS;
            default -> throw new SpfSyntaxException("unknown mechanism " + clip(term));
        };
        switch (m) {
            case ALL -> {
                if (!rest.isEmpty()) throw new SpfSyntaxException("all takes no argument");
                return new Directive(q, m, null, null, 32, 128);
            }
            case INCLUDE, EXISTS -> {
                if (!rest.startsWith(":") || rest.length() == 1) throw new SpfSyntaxException(name + " needs a domain");
                String spec = rest.substring(1);
                SpfMacro.validate(spec, false);
                return new Directive(q, m, spec, null, 32, 128);
            }
            case PTR -> {
                String spec = null;
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":") || rest.length() == 1) throw new SpfSyntaxException("bad ptr argument");
                    spec = rest.substring(1);
                    SpfMacro.validate(spec, false);
                }
                return new Directive(q, m, spec, null, 32, 128);
            }
            case A, MX -> {
                Matcher c = DUAL_CIDR.matcher(rest);
                if (!c.find()) throw new SpfSyntaxException("bad prefix length in " + clip(term));
                int cidr4 = c.group(1) == null ? 32 : Integer.parseInt(c.group(1));
                int cidr6 = c.group(2) == null ? 128 : Integer.parseInt(c.group(2));
                if (cidr4 > 32 || cidr6 > 128) throw new SpfSyntaxException("prefix length out of range in " + clip(term));
                String head = rest.substring(0, c.start());
                String spec = null;
                if (!head.isEmpty()) {
                    if (!head.startsWith(":") || head.length() == 1) throw new SpfSyntaxException("bad " + name + " argument");
                    spec = head.substring(1);
                    SpfMacro.validate(spec, false);
                }
                return new Directive(q, m, spec, null, cidr4, cidr6);
            }
            case IP4, IP6 -> {
                if (!rest.startsWith(":")) throw new SpfSyntaxException(name + " needs a network");
                String net = rest.substring(1);
                int max = m == Mechanism.IP4 ? 32 : 128;
                int prefix = max;
                int s = net.indexOf('/');
                if (s >= 0) {
                    String p = net.substring(s + 1);
                    if (!p.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(p) > max) throw new SpfSyntaxException("bad prefix length in " + clip(term));
                    prefix = Integer.parseInt(p);
                    net = net.substring(0, s);
                }
                InetAddress address = literal(net, m == Mechanism.IP4);
                return new Directive(q, m, null, address, m == Mechanism.IP4 ? prefix : 32, m == Mechanism.IP6 ? prefix : 128);
            }
        }
        throw new AssertionError(m);
    }

    /** An address literal only (never a name lookup). */
    private static InetAddress literal(String text, boolean v4) throws SpfSyntaxException {
        boolean ok = v4 ? text.matches("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}")
                : text.matches("[0-9A-Fa-f:.]{2,45}") && text.contains(":");
        if (!ok) throw new SpfSyntaxException("bad " + (v4 ? "IPv4" : "IPv6") + " address " + clip(text));
        try {
            InetAddress a = InetAddress.getByName(text);
            if (v4 != (a.getAddress().length == 4)) throw new SpfSyntaxException("bad address " + clip(text));
            return a;
        } catch (UnknownHostException e) {
            throw new SpfSyntaxException("bad address " + clip(text));
        }
    }

    static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
