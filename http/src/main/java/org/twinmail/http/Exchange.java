package org.twinmail.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
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
    private boolean bodyRead;

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

    /** Every value of a request header, in order (HTTP/2 sends a Cookie header per cookie). */
    public java.util.List<String> headers(String name) {
        return request.getHeaders().getValuesList(name);
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
        bodyRead = true;
        if (declared > maxBodyBytes) throw new BodyTooLargeException(maxBodyBytes);
        try (InputStream in = Request.asInputStream(request)) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (b.length > maxBodyBytes) throw new BodyTooLargeException(maxBodyBytes);
            return b;
        }
    }

    /**
     * The body as a stream, for an endpoint with a cap of its own (JMAP's maxSizeRequest and
     * maxSizeUpload, larger than {@code http.maxRequestBodySize}): the caller reads at most
     * what it allows and refuses the rest.
     */
    public InputStream bodyStream() {
        bodyRead = true;
        return Request.asInputStream(request);
    }

    /** True when the request came over TLS. */
    public boolean isSecure() {
        return request.isSecure();
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
        if (!bodyRead) discardBody();
        response.setStatus(status);
        if (contentType != null) response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        boolean withBody = body != null && !method().equals("HEAD");
        if (withBody) response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(true, withBody ? ByteBuffer.wrap(body) : null, written);
            written.block();
        }
    }

    /**
     * A body the endpoint did not read (refused before it looked: 401, 405, 415) is read and
     * dropped before the answer, up to the body limit, so the connection stays usable. Jetty
     * would otherwise close it after a response that did not say so, and a client reusing it
     * at that moment would find it gone. A larger or unreadable body: the answer says
     * {@code Connection: close}.
     */
    private void discardBody() {
        bodyRead = true;
        long declared = request.getLength();
        if (declared == 0) return;
        if (declared > maxBodyBytes) {
            setHeader("Connection", "close");
            return;
        }
        try (InputStream in = Request.asInputStream(request)) {
            long left = maxBodyBytes + 1;
            byte[] buf = new byte[8192];
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0) left -= n;
            if (left <= 0) setHeader("Connection", "close");
        } catch (IOException e) {
            setHeader("Connection", "close");
        }
    }

    /**
     * Starts a response whose body is written as it is produced (EventSource, downloads): the
     * status and headers go out with the first flush or write. Each {@code flush()} sends what
     * was written so far; {@code close()} ends the response (if the endpoint returns without
     * closing, the response ends then).
     */
    public OutputStream openBody(int status, String contentType) {
        if (this.status != -1) throw new IllegalStateException("response already sent");
        this.status = status;
        if (!bodyRead) discardBody();
        response.setStatus(status);
        if (contentType != null) response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        return Content.Sink.asOutputStream(response);
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
