package org.twinmail.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.net.InetSocketAddress;

/** A listening address "host:port", "[::]:25" or just a port ("2525" = every address). */
public record Listen(String host, int port) {
    public Listen {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
    }

    @JsonCreator
    public static Listen parse(String text) {
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        String host = "0.0.0.0";
        String port = s;
        if (colon >= 0) {
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            if (host.isEmpty() || host.equals("*")) host = "0.0.0.0";
        }
        try {
            return new Listen(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a listen address (host:port): " + text);
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @JsonValue
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
