package org.twinmail.filter.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;

/**
 * A client of rspamd's normal worker: {@code POST /checkv2} (HTTP/1.1, {@code Connection: close})
 * with the message streamed as the body and what rspamd cannot see in it as request headers
 * ({@code IP}, {@code Helo}, {@code From}, {@code Queue-Id}); the JSON answer's {@code score}
 * and {@code symbols}. Over TCP or a unix socket, as {@link ScannerConnection} connects.
 */
public final class RspamdClient implements SpamClient {
    private static final int MAX_ANSWER = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketAddress address;
    private final Duration connectTimeout;
    private final Duration timeout;

    public RspamdClient(SocketAddress address, Duration connectTimeout, Duration timeout) {
        this.address = address;
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
    }

    @Override
    public Result check(Client client, Envelope envelope, InputStream in, long size) {
        StringBuilder head = new StringBuilder("POST /checkv2 HTTP/1.1\r\nHost: rspamd\r\nConnection: close\r\n")
                .append("Content-Length: ").append(size).append("\r\n");
        if (client != null) {
            head.append("IP: ").append(client.ip().getHostAddress()).append("\r\n");
            if (client.helo() != null && printable(client.helo())) head.append("Helo: ").append(client.helo()).append("\r\n");
        }
        if (envelope != null) {
            envelope.sender().map(Object::toString).filter(RspamdClient::printable).ifPresent(s -> head.append("From: ").append(s).append("\r\n"));
            if (printable(envelope.queueId())) head.append("Queue-Id: ").append(envelope.queueId()).append("\r\n");
        }
        head.append("\r\n");
        try (ScannerConnection c = ScannerConnection.open(address, connectTimeout, timeout)) {
            c.write(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.UTF_8)));
            long sent = ScannerConnection.copy(in, 64 * 1024, (buf, n) -> c.write(ByteBuffer.wrap(buf, 0, n)));
            if (sent != size) return new Result.Failed("message was " + sent + " bytes, not the " + size + " announced");
            return parse(new String(c.readAll(MAX_ANSWER), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result.Failed(e.toString());
        }
    }

    private static boolean printable(String s) {
        if (s == null || s.isEmpty() || s.length() > 512) return false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x21 || ch == 0x7f) return false;
        }
        return true;
    }

    /** rspamd's HTTP answer: a 200 with a JSON body holding {@code score} and {@code symbols}. */
    static Result parse(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        if (end < 0) return new Result.Failed("incomplete answer from rspamd");
        String[] head = answer.substring(0, end).split("\r\n");
        String[] status = head[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/")) return new Result.Failed("not an HTTP answer from rspamd");
        if (!status[1].equals("200")) return new Result.Failed("rspamd: " + shorten(head[0]));
        for (int i = 1; i < head.length; i++) {
            String h = head[i].toLowerCase(Locale.ROOT);
            if (h.startsWith("transfer-encoding:") && h.contains("chunked")) return new Result.Failed("rspamd answered chunked, which this client does not read");
        }
        JsonNode json;
        try {
            json = JSON.readTree(answer.substring(end + 4));
        } catch (IOException e) {
            return new Result.Failed("rspamd's answer is not JSON: " + e.getMessage());
        }
        if (json == null || !json.path("score").isNumber()) return new Result.Failed("no score in rspamd's answer");
        List<String> symbols = new ArrayList<>();
        for (Iterator<String> it = json.path("symbols").fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.isEmpty() && name.length() <= 64 && name.chars().allMatch(ch -> ch < 0x80 && (Character.isLetterOrDigit(ch) || ch == '_'))) {
                symbols.add(name);
            }
        }
        return new Result.Scored(json.path("score").asDouble(), symbols);
    }

    private static String shorten(String s) {
        return s.length() > 200 ? s.substring(0, 200) : s;
    }
}
