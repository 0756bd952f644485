package org.twinmail.search;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;

/** HTML as text for word search: markup, scripts and styles dropped, entities decoded (Lucene's {@link HTMLStripCharFilter}). */
final class Html {
    private Html() {}

    static String text(String html) {
        StringBuilder b = new StringBuilder(html.length());
        char[] buf = new char[4096];
        try (Reader r = new HTMLStripCharFilter(new StringReader(html))) {
            for (int n; (n = r.read(buf)) > 0; ) b.append(buf, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
        return b.toString();
    }
}
