package org.twinmail.filter.scan;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.filter.Client;
import org.twinmail.filter.Envelope;

/**
 * A client of SpamAssassin's spamd: {@code SYMBOLS SPAMC/1.5} with the message streamed after a
 * {@code Content-length} header, then spamd's answer ({@code SPAMD/1.1 0 EX_OK}, a
 * {@code Spam: True ; 7.3 / 5.0} header, the rule names as the body).
 */
public final class SpamdClient implements SpamClient {
    private static final int MAX_ANSWER = 64 * 1024;

    private final SocketAddress address;
    private final Duration connectTimeout;
    private final Duration timeout;

    public SpamdClient(SocketAddress address, Duration connectTimeout, Duration timeout) {
        this.address = address;
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
    }

    @Override
    public Result check(Client client, Envelope envelope, InputStream in, long size) {
        try (ScannerConnection c = ScannerConnection.open(address, connectTimeout, timeout)) {
            c.write(ByteBuffer.wrap(("SYMBOLS SPAMC/1.5\r\nContent-length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            long sent = ScannerConnection.copy(in, 64 * 1024, (buf, n) -> c.write(ByteBuffer.wrap(buf, 0, n)));
            if (sent != size) return new Result.Failed("message was " + sent + " bytes, not the " + size + " announced");
            c.shutdownOutput();
            return parse(new String(c.readAll(MAX_ANSWER), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result.Failed(e.toString());
        }
    }

    /** spamd's answer to SYMBOLS. */
    static Result parse(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        if (end < 0) return new Result.Failed("incomplete answer from spamd: " + shorten(answer));
        String[] head = answer.substring(0, end).split("\r\n");
        String body = answer.substring(end + 4);
        String[] status = head[0].split(" ", 3);
        if (status.length < 3 || !status[0].startsWith("SPAMD/")) return new Result.Failed("not a spamd answer: " + shorten(head[0]));
        if (!status[1].equals("0")) return new Result.Failed("spamd: " + shorten(head[0]));
        Double score = null;
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(':');
            if (colon < 0 || !head[i].substring(0, colon).strip().toLowerCase(Locale.ROOT).equals("spam")) continue;
            // Spam: True ; 7.3 / 5.0
            String v = head[i].substring(colon + 1);
            int semi = v.indexOf(';');
            int slash = v.indexOf('/', semi + 1);
            if (semi < 0 || slash < 0) return new Result.Failed("bad Spam header from spamd: " + shorten(head[i]));
            try {
                score = Double.parseDouble(v.substring(semi + 1, slash).strip());
            } catch (NumberFormatException e) {
                return new Result.Failed("bad score from spamd: " + shorten(head[i]));
            }
        }
        if (score == null || score.isNaN()) return new Result.Failed("no Spam header from spamd");
        List<String> symbols = new ArrayList<>();
        for (String s : body.strip().split(",")) {
            String t = s.strip();
            if (!t.isEmpty() && t.length() <= 64 && t.chars().allMatch(ch -> ch < 0x80 && (Character.isLetterOrDigit(ch) || ch == '_'))) {
                symbols.add(t);
            }
        }
        return new Result.Scored(score, symbols);
    }

    private static String shorten(String s) {
        String one = s.replace('\r', ' ').replace('\n', ' ');
        return one.length() > 200 ? one.substring(0, 200) : one;
    }
}
