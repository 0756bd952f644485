package org.twinmail.server;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.twinmail.http.HttpService;
import org.twinmail.jmap.JmapService;
import org.twinmail.jmap.auth.JmapAuth;
import org.twinmail.jmap.auth.Principal;
import org.twinmail.jmap.push.JmapSocket;
import org.twinmail.web.webmail.JmapAdapter;

/**
 * Puts JMAP on the node's HTTP server: {@code /jmap/} and {@code /.well-known/jmap} through
 * {@link HttpService#mount}, the RFC 8887 WebSocket at {@code /jmap/ws} through
 * {@link HttpService#webSocket}. The HTTP server runs on every node, JMAP only where the store
 * is open: requests reach the active node's {@link JmapService}, or get 503 on a node that does
 * not serve. The one place where the web server's types meet JMAP's transport-neutral ones.
 */
public final class JmapHttp {
    private JmapHttp() {
    }

    public static void mount(HttpService http, Supplier<JmapService> active) {
        HttpService.Endpoint endpoint = ex -> {
            JmapService jmap = active.get();
            if (jmap == null) {
                ex.setHeader("Retry-After", "5");
                ex.send(503, "application/problem+json",
                        "{\"type\":\"about:blank\",\"status\":503,\"detail\":\"this node is not serving\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            jmap.serve(new JmapAdapter(ex, ex.rawPath()));
        };
        http.mount(JmapService.PREFIX, "jmap", endpoint);
        http.mount(JmapService.WELL_KNOWN, "jmap", endpoint); // the one path, not all of /.well-known/
        http.webSocket(JmapService.WEBSOCKET_PATH, (request, response, callback) -> {
            JmapService jmap = active.get();
            if (jmap == null) {
                Response.writeError(request, response, callback, 503);
                return null;
            }
            if (!request.hasSubProtocol("jmap")) {
                Response.writeError(request, response, callback, 400, "the jmap subprotocol is required (RFC 8887)");
                return null;
            }
            Principal p;
            try {
                p = jmap.auth().authenticate(authorization(request), client(request), request.isSecure());
            } catch (JmapAuth.Refused e) {
                Response.writeError(request, response, callback, e.status(), e.getMessage());
                return null;
            }
            response.setAcceptedSubProtocol("jmap");
            return new Socket(jmap, p, client(request));
        });
    }

    private static InetAddress client(Request request) {
        try {
            return InetAddress.getByName(Request.getRemoteAddr(request)); // an address literal: no lookup
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The Authorization header; a browser's WebSocket cannot set one, so a bearer token may come
     * as {@code ?access_token=} (the access log hides query values).
     */
    private static String authorization(Request request) {
        String h = request.getHeaders().get("Authorization");
        if (h != null) return h;
        String q = request.getHttpURI().getQuery();
        if (q == null) return null;
        for (String kv : q.split("&")) {
            if (kv.startsWith("access_token=")) return "Bearer " + java.net.URLDecoder.decode(kv.substring(13), StandardCharsets.UTF_8);
        }
        return null;
    }

    /** One WebSocket: Jetty's session on one side, the JMAP socket on the other. */
    public static final class Socket implements Session.Listener.AutoDemanding {
        private final JmapService jmap;
        private final Principal principal;
        private final InetAddress client;
        private JmapSocket socket;

        Socket(JmapService jmap, Principal principal, InetAddress client) {
            this.jmap = jmap;
            this.principal = principal;
            this.client = client;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            socket = jmap.openSocket(principal, client, text -> {
                Callback.Completable done = new Callback.Completable();
                session.sendText(text, done);
                try {
                    done.get();
                } catch (Exception e) {
                    throw new IOException("websocket send failed", e);
                }
            });
        }

        @Override
        public void onWebSocketText(String message) {
            // Jetty delivers on its own thread: run the request on a virtual thread of its own.
            Thread.ofVirtual().start(() -> socket.onText(message));
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            if (socket != null) socket.close();
            callback.succeed();
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            if (socket != null) socket.close();
        }
    }
}
