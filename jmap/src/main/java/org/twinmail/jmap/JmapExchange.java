package org.twinmail.jmap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;

/**
 * One HTTP request and its response, as the JMAP service needs it and any web server can give
 * it: the server module adapts its HTTP server's exchange to this, so JMAP does not depend on
 * the web server (docs/architecture.md).
 */
public interface JmapExchange {
    String method();

    /** The path, still percent-encoded. */
    String path();

    /** The raw query, or null. */
    String query();

    /** A request header, or null. */
    String header(String name);

    InetAddress client();

    /** True over TLS. */
    boolean secure();

    /** The request body as a stream (read at most what the caller needs). */
    InputStream body() throws IOException;

    /** Sets a response header before the answer. */
    void setHeader(String name, String value);

    /** Answers with a whole body. */
    void send(int status, String contentType, byte[] body) throws IOException;

    /** Answers with a body written as it is produced (EventSource); each flush sends what was written. */
    OutputStream openBody(int status, String contentType) throws IOException;
}
