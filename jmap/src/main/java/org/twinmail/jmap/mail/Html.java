package org.twinmail.jmap.mail;

/** HTML reduced to its text, for previews and text filters (not for display: the webmail sanitises for that). */
final class Html {
    private Html() {
    }

    static String toText(String html) {
        String s = html.replaceAll("(?is)<(script|style|head)\\b.*?</\\1\\s*>", " ");
        s = s.replaceAll("(?s)<!--.*?-->", " ");
        s = s.replaceAll("(?s)<[^>]*>", " ");
        return s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
    }
}
