package org.twinmail.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

/**
 * One request and its response as blocking code sees them: our endpoints run on a virtual
 * thread each, read the body with a cap and answer with one write. A thin layer over Jetty's
 * {@link Request} and {@link Response}, so the endpoints read like the protocol sessions do
 * and the cap on bodies is applied in one place.
 */
public final class Exchange {
    private final Request request;
    private final Response response;
    private final long maxBodyBytes;
    private int status = -1;

    Exchange(Request request, Response response, long maxBodyBytes) {
        this.request = request;
        this.response = response;
        this.maxBodyBytes = maxBodyBytes;
    }

    public String method() {
        return request.getMethod();
    }

    /** The path as sent, still percent-encoded (an encoded '/' stays inside its segment). */
    public String rawPath() {
        String p = request.getHttpURI().getPath();
        return p == null ? "/" : p;
    }

    /** The query as sent, or null. */
    public String rawQuery() {
        return request.getHttpURI().getQuery();
    }

    /** The first value of a request header, or null. */
    public String header(String name) {
        return request.getHeaders().get(name);
    }

    public boolean hasHeader(String name) {
        return request.getHeaders().contains(name);
    }

    /** The client's IP address as text. */
    public String client() {
        return Request.getRemoteAddr(request);
    }

    /** The cap on request bodies ({@code http.maxRequestBodySize}). */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * Reads the whole body, at most {@link #maxBodyBytes()}: a larger body, declared or
     * actual (chunked), is refused with {@link BodyTooLargeException} without reading it all.
     * (Jetty itself refuses a malformed Content-Length with 400 before any endpoint runs.)
     */
    public byte[] readBody() throws IOException {
        long declared = request.getLength(); // -1 when not declared (chunked, or HTTP/2 without content-length)
        if (declared > maxBodyBytes) throw new BodyTooLargeException(maxBodyBytes);
        try (InputStream in = Request.asInputStream(request)) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (b.length > maxBodyBytes) throw new BodyTooLargeException(maxBodyBytes);
            return b;
        }
    }

    /** Sets a response header (before {@link #send}). */
    public void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    /**
     * Sends the status, the headers set so far and {@code body} (none for null, and none for
     * HEAD, which gets the headers only), and waits until it is written.
     */
    public void send(int status, String contentType, byte[] body) throws IOException {
        if (this.status != -1) throw new IllegalStateException("response already sent");
        this.status = status;
        response.setStatus(status);
        if (contentType != null) response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        boolean withBody = body != null && !method().equals("HEAD");
        if (withBody) response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(true, withBody ? ByteBuffer.wrap(body) : null, written);
            written.block();
        }
    }

    /** The status sent, or -1 before {@link #send}. */
    public int status() {
        return status;
    }

    /** A request body over {@code http.maxRequestBodySize}: 413. */
    public static final class BodyTooLargeException extends IOException {
        public BodyTooLargeException(long limit) {
            super("request body larger than " + limit + " bytes", null);
        }
    }
}
