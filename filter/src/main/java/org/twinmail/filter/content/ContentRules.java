package org.twinmail.filter.content;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.twinmail.filter.auth.Dmarc;
import org.twinmail.mail.address.AddressParser;
import org.twinmail.mail.address.Mailbox;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.MailDates;
import org.twinmail.mail.mime.HtmlText;
import org.twinmail.mail.mime.MimePart;

/**
 * The built-in rules of the content score, on one parsed message: header, body text, links and
 * attachments. Pure: no I/O and no state, one instance for every message. Each rule has a name
 * (upper case, as SpamAssassin's) and a built-in score that {@code filter.content.scores}
 * replaces; a rule whose score is 0 is not reported.
 */
public final class ContentRules {
    /** The rules and their built-in scores, in the order they are reported. */
    public static final Map<String, Double> DEFAULT_SCORES = defaults();

    private static Map<String, Double> defaults() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("MISSING_DATE", 1.0);             // every MUA and MTA sets Date (RFC 5322 3.6)
        m.put("MISSING_MESSAGE_ID", 1.0);       // as above for Message-ID (RFC 5322 3.6.4 SHOULD)
        m.put("DATE_IN_FUTURE", 1.5);           // Date more than a day ahead: sorts on top of the inbox
        m.put("FROM_REPLYTO_DIFFER", 1.0);      // answers go to another organisation than the sender's
        m.put("FROM_NAME_OTHER_ADDRESS", 2.0);  // "service@bank.example" <x@elsewhere.example>
        m.put("SUBJECT_ALL_CAPS", 1.5);         // at least 10 letters and none in lower case
        m.put("SUBJECT_CHARSET_UNUSUAL", 1.0);  // an encoded word in a charset not in filter.content.usualCharsets
        m.put("HTML_ONLY", 0.7);                // HTML with no plain-text alternative
        m.put("HTML_HIDDEN_TEXT", 2.0);         // text styled invisible (display:none, font-size:0...): filler for filters
        m.put("URL_BARE_IP", 2.5);              // a link to http://192.0.2.1/...
        m.put("URL_SHORTENER", 1.5);            // a link through bit.ly and the like hides where it goes
        m.put("URL_TEXT_MISMATCH", 3.0);        // the link shows one domain and goes to another: phishing
        m.put("ATTACH_EXECUTABLE", 5.0);        // .exe, .scr, .js, .vbs... attached
        m.put("ATTACH_DOUBLE_EXTENSION", 3.0);  // invoice.pdf.exe, scan.doc.zip
        m.put("BAYES_99", 4.0);                 // the classifier's probability of spam, by band
        m.put("BAYES_95", 3.0);
        m.put("BAYES_80", 2.0);
        m.put("BAYES_60", 1.0);
        m.put("BAYES_50", 0.0);
        m.put("BAYES_20", -0.5);
        m.put("BAYES_05", -1.0);
        m.put("BAYES_00", -2.0);
        return java.util.Collections.unmodifiableMap(m);
    }

    static final Set<String> EXECUTABLE = Set.of("exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf",
            "wsh", "msi", "msp", "hta", "cpl", "jar", "ps1", "lnk", "reg", "iso", "img", "vhd", "appx", "msix");
    private static final Set<String> DOCUMENT = Set.of("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf",
            "jpg", "jpeg", "png", "gif", "odt", "csv", "htm", "html", "zip", "rar", "7z");
    private static final Set<String> SECOND = union(EXECUTABLE, Set.of("zip", "rar", "7z", "gz", "ace", "arj", "cab"));
    /** http(s) and www. URLs in text; possessive, so the scan is linear. */
    private static final Pattern URL = Pattern.compile("(?i)\\b(?:https?://|www\\.)[^\\s<>\"'()\\[\\]]++");
    private static final Pattern ENCODED_WORD_CHARSET = Pattern.compile("=\\?([^?*\\s]{1,40})(?:\\*[^?\\s]{0,20})?\\?[bBqQ]\\?");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
    /** Link text that names a host: a URL or a bare domain name. */
    private static final Pattern SHOWN_HOST = Pattern.compile("(?i)^(?:https?://)?((?:[a-z0-9-]{1,63}\\.)+[a-z]{2,24})(?:[/:?#]\\S*)?$");

    /** An address inside a display name (the first 200 characters). */
    private static final Pattern NAME_ADDRESS = Pattern.compile("[^\\s<>\"@]+@([A-Za-z0-9.-]+\\.[A-Za-z]{2,})");

    private final Map<String, Double> scores;
    private final Set<String> usualCharsets;
    private final Set<String> shorteners;

    public ContentRules(Map<String, Double> overrides, Collection<String> usualCharsets, Collection<String> shorteners) {
        Map<String, Double> s = new LinkedHashMap<>(DEFAULT_SCORES);
        for (var e : overrides.entrySet()) {
            if (!s.containsKey(e.getKey())) throw new IllegalArgumentException("filter.content.scores: no rule " + e.getKey()
                    + " (rules: " + String.join(", ", DEFAULT_SCORES.keySet()) + ")");
            s.put(e.getKey(), e.getValue());
        }
        this.scores = java.util.Collections.unmodifiableMap(s);
        this.usualCharsets = lower(usualCharsets);
        this.shorteners = lower(shorteners);
    }

    /** The score of rule {@code name} here. */
    public double score(String name) {
        Double s = scores.get(name);
        if (s == null) throw new IllegalArgumentException("no rule " + name);
        return s;
    }

    /** What one message shows the rules and the classifier, extracted once. */
    public record Analysis(List<String> hits, String subject, String text, Set<String> hosts, List<String> fileNames, String fromDomain) { }

    /** Runs every rule on {@code message}; {@code now} is the clock for dates. */
    public Analysis analyse(MimePart message, OffsetDateTime now) {
        Header h = message.headerSection();
        Set<String> hits = new java.util.LinkedHashSet<>();
        if (h.value("Date") == null) hits.add("MISSING_DATE");
        else {
            Optional<OffsetDateTime> date = MailDates.parse(h.value("Date"));
            if (date.isPresent() && date.get().isAfter(now.plusDays(1))) hits.add("DATE_IN_FUTURE");
        }
        if (h.value("Message-ID") == null) hits.add("MISSING_MESSAGE_ID");
        Optional<Mailbox> from = h.value("From") == null ? Optional.empty() : AddressParser.firstMailbox(h.value("From"));
        String fromDomain = from.map(m -> m.domain().toLowerCase(Locale.ROOT)).orElse("");
        if (h.value("Reply-To") != null && !fromDomain.isEmpty()) {
            Optional<Mailbox> replyTo = AddressParser.firstMailbox(h.value("Reply-To"));
            if (replyTo.isPresent() && !sameOrganization(fromDomain, replyTo.get().domain())) hits.add("FROM_REPLYTO_DIFFER");
        }
        if (from.isPresent() && from.get().displayName().isPresent()) {
            String name = from.get().displayName().get();
            Matcher m = NAME_ADDRESS.matcher(name.substring(0, Math.min(name.length(), 200)));
            if (m.find() && !sameOrganization(fromDomain, m.group(1))) hits.add("FROM_NAME_OTHER_ADDRESS");
        }
        HeaderValues subject = subject(h);
        if (allCaps(subject.decoded)) hits.add("SUBJECT_ALL_CAPS");
        Matcher cs = ENCODED_WORD_CHARSET.matcher(subject.raw);
        while (cs.find()) {
            if (!usualCharsets.contains(cs.group(1).toLowerCase(Locale.ROOT))) {
                hits.add("SUBJECT_CHARSET_UNUSUAL");
                break;
            }
        }
        // the body: text of the plain and HTML parts, links, attachments
        StringBuilder text = new StringBuilder();
        Set<String> hosts = new HashSet<>();
        List<String> names = new ArrayList<>();
        boolean plain = false;
        boolean html = false;
        for (MimePart leaf : message.leaves()) {
            String name = fileName(leaf);
            if (name != null) {
                names.add(name);
                attachment(name, hits);
                if (isAttachment(leaf)) continue;
            }
            if (!leaf.type().equals("text")) continue;
            if (leaf.subtype().equals("plain")) {
                plain = true;
                String t = leaf.text();
                text.append(t).append('\n');
                urls(t, hosts, hits);
            } else if (leaf.subtype().equals("html")) {
                html = true;
                String source = leaf.text();
                Html scan = Html.scan(source);
                if (scan.hiddenChars >= 20) hits.add("HTML_HIDDEN_TEXT");
                for (Html.Link l : scan.links) {
                    String target = host(l.href());
                    if (target == null) continue;
                    hosts.add(target);
                    hostRules(target, hits);
                    Matcher shown = SHOWN_HOST.matcher(l.text());
                    if (shown.matches() && !sameOrganization(target, shown.group(1))) hits.add("URL_TEXT_MISMATCH");
                }
                String t = HtmlText.of(source);
                text.append(t).append('\n');
                urls(t, hosts, hits);
            }
        }
        if (html && !plain) hits.add("HTML_ONLY");
        List<String> reported = new ArrayList<>();
        for (String rule : scores.keySet()) if (hits.contains(rule) && scores.get(rule) != 0) reported.add(rule);
        return new Analysis(reported, subject.decoded, text.toString(), hosts, names, fromDomain);
    }

    private record HeaderValues(String raw, String decoded) { }

    private static HeaderValues subject(Header h) {
        return h.first("Subject").map(f -> new HeaderValues(f.value(), f.decoded())).orElse(new HeaderValues("", ""));
    }

    static boolean allCaps(String s) {
        int upper = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (Character.isLowerCase(c)) return false;
            if (Character.isUpperCase(c)) upper++;
        }
        return upper >= 10;
    }

    private static boolean isAttachment(MimePart leaf) {
        var d = leaf.disposition();
        return (d != null && d.getKey().equals("attachment")) || !leaf.type().equals("text");
    }

    private static String fileName(MimePart leaf) {
        var d = leaf.disposition();
        String name = d == null ? null : d.getValue().get("filename");
        if (name == null) name = leaf.params().get("name");
        return name == null || name.isBlank() ? null : MimePart.decodeWords(name).strip();
    }

    private static void attachment(String name, Set<String> hits) {
        String n = name.toLowerCase(Locale.ROOT).strip();
        while (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        int last = n.lastIndexOf('.');
        if (last < 0) return;
        String ext = n.substring(last + 1);
        if (EXECUTABLE.contains(ext)) hits.add("ATTACH_EXECUTABLE");
        int before = n.lastIndexOf('.', last - 1);
        String first = n.substring(before + 1, last).strip();
        if (DOCUMENT.contains(first) && SECOND.contains(ext)) hits.add("ATTACH_DOUBLE_EXTENSION");
    }

    private void urls(String text, Set<String> hosts, Set<String> hits) {
        Matcher m = URL.matcher(text);
        int n = 0;
        while (m.find() && n++ < 1000) {
            String u = m.group();
            String host = host(u.regionMatches(true, 0, "www.", 0, 4) ? "http://" + u : u);
            if (host == null) continue;
            hosts.add(host);
            hostRules(host, hits);
        }
    }

    private void hostRules(String host, Set<String> hits) {
        if (IPV4.matcher(host).matches() || host.startsWith("[")) hits.add("URL_BARE_IP");
        if (shorteners.contains(host) || (host.startsWith("www.") && shorteners.contains(host.substring(4)))) hits.add("URL_SHORTENER");
    }

    /** The host of an http(s) URL, lower case, without user info or port; null for another scheme or none. */
    static String host(String url) {
        if (url == null) return null;
        String u = url.strip();
        int scheme = u.indexOf("://");
        if (scheme < 0) return null;
        String s = u.substring(0, scheme).toLowerCase(Locale.ROOT);
        if (!s.equals("http") && !s.equals("https")) return null;
        int start = scheme + 3;
        int end = start;
        while (end < u.length() && "/?#\\".indexOf(u.charAt(end)) < 0) end++;
        String authority = u.substring(start, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) authority = authority.substring(at + 1);
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            return close < 0 ? null : authority.substring(0, close + 1).toLowerCase(Locale.ROOT);
        }
        int colon = authority.indexOf(':');
        if (colon >= 0) authority = authority.substring(0, colon);
        while (authority.endsWith(".")) authority = authority.substring(0, authority.length() - 1);
        return authority.isEmpty() ? null : authority.toLowerCase(Locale.ROOT);
    }

    /** The same organisation: the same domain or registrable domain (public suffix list), IP literals equal. */
    static boolean sameOrganization(String a, String b) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        if (x.equals(y)) return true;
        try {
            return Dmarc.organizationalDomain(x).equals(Dmarc.organizationalDomain(y));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Set<String> lower(Collection<String> values) {
        Set<String> out = new HashSet<>();
        for (String v : values) out.add(v.strip().toLowerCase(Locale.ROOT));
        return Set.copyOf(out);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }
}
