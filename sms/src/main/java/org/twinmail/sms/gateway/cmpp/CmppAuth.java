package org.twinmail.sms.gateway.cmpp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * The login of CMPP_CONNECT: the SP proves it knows the shared secret with
 * {@code AuthenticatorSource = MD5(Source_Addr + 9 NUL octets + shared secret + timestamp)}, the
 * timestamp being MMDDHHMMSS as 10 digits (and as a number in the Timestamp field); the ISMG
 * proves it too with {@code AuthenticatorISMG = MD5(Status + AuthenticatorSource + shared secret)},
 * Status in the octets of the version's CONNECT_RESP (1 in 2.0, 4 in 3.0).
 */
public final class CmppAuth {
    private CmppAuth() {}

    /** The ISMG's time zone (China Standard Time): the timestamp is the wall clock there. */
    public static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");

    /** The Timestamp of a CONNECT at {@code now}: MMDDHHMMSS as a number. */
    public static long timestamp(Instant now) {
        ZonedDateTime t = now.atZone(ZONE);
        return t.getMonthValue() * 100_000_000L + t.getDayOfMonth() * 1_000_000L + t.getHour() * 10_000L + t.getMinute() * 100L + t.getSecond();
    }

    public static byte[] authenticatorSource(String sourceAddr, String secret, long timestamp) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(sourceAddr.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(new byte[9]);
        b.writeBytes(secret.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(String.format("%010d", timestamp).getBytes(StandardCharsets.US_ASCII));
        return md5(b.toByteArray());
    }

    public static byte[] authenticatorIsmg(CmppVersion v, long status, byte[] authenticatorSource, String secret) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = v.status() - 1; i >= 0; i--) b.write((int) (status >>> (8 * i)) & 0xFF);
        b.writeBytes(authenticatorSource);
        b.writeBytes(secret.getBytes(StandardCharsets.US_ASCII));
        return md5(b.toByteArray());
    }

    private static byte[] md5(byte[] in) {
        try {
            return MessageDigest.getInstance("MD5").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
