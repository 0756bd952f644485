package org.twinmail.mail.header;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 8601 5: fields with our authserv-id are removed on the way in; everything else is kept byte for byte. */
class AuthResultsFilterTest {

    private static String filtered(String message, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AuthResultsFilter f = new AuthResultsFilter(out, "MX.Example.COM")) {
            byte[] b = message.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < b.length; i += chunk) f.write(b, i, Math.min(chunk, b.length - i));
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static void removes(String message, String expected) throws IOException {
        for (int chunk : new int[] {1, 3, 7, 4096}) assertThat(filtered(message, chunk)).as("chunks of " + chunk).isEqualTo(expected);
    }

    @Test
    void ourFieldsGoOthersStay() throws IOException {
        removes("""
                Received: from x\r
                Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=a@b\r
                authentication-results :  (forged)\r
                \t(nested (comment \\) here))  "mx.example.com"; dkim=pass\r
                Authentication-Results: other.example; dmarc=fail\r
                Authentication-Results:\r
                 mx.example.com;\r
                 dkim=pass\r
                Authentication-Results: mx.example.com.evil; spf=pass\r
                Subject: hi\r
                \r
                Authentication-Results: mx.example.com; in the body, kept\r
                """, """
                Received: from x\r
                Authentication-Results: other.example; dmarc=fail\r
                Authentication-Results: mx.example.com.evil; spf=pass\r
                Subject: hi\r
                \r
                Authentication-Results: mx.example.com; in the body, kept\r
                """);
    }

    @Test
    void paddingCannotHideTheAuthservId() throws IOException {
        String padded = "Authentication-Results: (" + "x".repeat(AuthResultsFilter.MAX_FIELD) + ")\r\n mx.example.com; dkim=pass\r\n";
        removes("From: a\r\n" + padded + "To: b\r\n\r\nbody\r\n", "From: a\r\nTo: b\r\n\r\nbody\r\n");
        String longOther = "X-Long: " + "y".repeat(3 * AuthResultsFilter.MAX_FIELD) + "\r\n\tmore\r\n";
        removes(longOther + "Subject: s\r\n\r\n", longOther + "Subject: s\r\n\r\n");
    }

    @Test
    void aHeaderWithoutBodyIsJudgedAtTheEnd() throws IOException {
        removes("Subject: s\r\nAuthentication-Results: mx.example.com; x=y\r\n", "Subject: s\r\n");
        removes("Subject: s\r\nAuthentication-Results: elsewhere; x=y", "Subject: s\r\nAuthentication-Results: elsewhere; x=y");
    }
}
