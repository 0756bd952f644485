package org.twinmail.bench.run;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** RFC 5322 messages of an exact size, with the bench's tracking headers. */
final class Messages {
    public static final String PROBE_HEADER = "X-Bench-Probe";
    private static final String LINE = "The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstu\r\n";

    private Messages() {}

    /**
     * A message of {@code size} bytes (or its headers, if larger). {@code id} goes into
     * Message-ID and X-Bench-Id; {@code probe}, when not null, into X-Bench-Probe.
     */
    static byte[] build(String id, String from, List<String> to, int size, String probe) {
        StringBuilder h = new StringBuilder(256);
        h.append("From: <").append(from).append(">\r\n");
        h.append("To: <").append(to.getFirst()).append(">").append(to.size() > 1 ? ", undisclosed-recipients:;" : "").append("\r\n");
        h.append("Subject: bench message ").append(id).append("\r\n");
        h.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now())).append("\r\n");
        h.append("Message-ID: <").append(id).append("@bench.invalid>\r\n");
        h.append("X-Bench-Id: ").append(id).append("\r\n");
        if (probe != null) h.append(PROBE_HEADER).append(": ").append(probe).append("\r\n");
        h.append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.US_ASCII);
        int bodySize = Math.max(2, size - head.length);
        byte[] m = new byte[head.length + bodySize];
        System.arraycopy(head, 0, m, 0, head.length);
        byte[] line = LINE.getBytes(StandardCharsets.US_ASCII);
        int p = head.length;
        // stop with 0 or at least 2 bytes left, so the tail is never a lone CR or LF
        while (m.length - p >= line.length + 3 || m.length - p == line.length) {
            System.arraycopy(line, 0, m, p, line.length);
            p += line.length;
        }
        // the tail: letters then CRLF, so the message ends with a line break
        while (p < m.length - 2) m[p++] = 'x';
        m[m.length - 2] = '\r';
        m[m.length - 1] = '\n';
        return m;
    }
}
