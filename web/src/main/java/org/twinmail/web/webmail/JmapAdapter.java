package org.twinmail.web.webmail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import org.twinmail.http.Exchange;
import org.twinmail.jmap.JmapExchange;

/**
 * http's Exchange as JMAP's, with the path JMAP is to see: the request's own under {@code /jmap/}
 * (the server's JMAP endpoint), or the webmail's {@code /mail/jmap/...} mapped to {@code /jmap/...}.
 */
public record JmapAdapter(Exchange ex, String path) implements JmapExchange {
    public String method() {
        return ex.method();
    }

    public String query() {
        return ex.rawQuery();
    }

    public String header(String name) {
        return ex.header(name);
    }

    public InetAddress client() {
        return Webmail.clientAddress(ex);
    }

    public boolean secure() {
        return ex.isSecure();
    }

    public InputStream body() {
        return ex.bodyStream();
    }

    public void setHeader(String name, String value) {
        ex.setHeader(name, value);
    }

    public void send(int status, String contentType, byte[] body) throws IOException {
        ex.send(status, contentType, body);
    }

    public OutputStream openBody(int status, String contentType) {
        return ex.openBody(status, contentType);
    }
}
