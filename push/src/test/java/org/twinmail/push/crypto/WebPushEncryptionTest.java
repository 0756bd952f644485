package org.twinmail.push.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import org.junit.jupiter.api.Test;

/** RFC 8291 against its own example (Appendix A), to the octet, and the receiving side. */
class WebPushEncryptionTest {
    // RFC 8291 Appendix A
    static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
    static final String AS_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    static final String AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    static final String UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
    static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
    static final String BODY = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
            + "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
            + "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    static byte[] b(String s) {
        return P256.unbase64url(s);
    }

    @Test
    void theAppendixAExampleIsReproducedOctetForOctet() {
        KeyPair as = P256.keyPair(b(AS_PRIVATE), b(AS_PUBLIC));
        byte[] body = WebPushEncryption.encrypt(PLAINTEXT.getBytes(StandardCharsets.US_ASCII), b(UA_PUBLIC), b(AUTH), b(SALT), as);
        assertThat(P256.base64url(body)).isEqualTo(BODY);
        assertThat(body).hasSize(144); // 86 header + 41 + delimiter + 16 tag
    }

    @Test
    void theKeysRoundTripThroughTheirEncodings() {
        KeyPair as = P256.keyPair(b(AS_PRIVATE), b(AS_PUBLIC));
        assertThat(P256.base64url(P256.encode((ECPublicKey) as.getPublic()))).isEqualTo(AS_PUBLIC);
        assertThat(P256.base64url(P256.encode((java.security.interfaces.ECPrivateKey) as.getPrivate()))).isEqualTo(AS_PRIVATE);
    }

    @Test
    void theBrowserSideDecryptsTheExampleAndARandomMessage() {
        KeyPair ua = P256.keyPair(b(UA_PRIVATE), b(UA_PUBLIC));
        assertThat(new String(WebPushEncryption.decrypt(b(BODY), ua, b(AUTH)), StandardCharsets.US_ASCII)).isEqualTo(PLAINTEXT);

        KeyPair mine = P256.generate();
        byte[] auth = new byte[16];
        new java.security.SecureRandom().nextBytes(auth);
        byte[] text = "{\"from\":\"王芳\",\"subject\":\"周五聚餐\"}".getBytes(StandardCharsets.UTF_8);
        byte[] one = WebPushEncryption.encrypt(text, P256.encode((ECPublicKey) mine.getPublic()), auth);
        byte[] two = WebPushEncryption.encrypt(text, P256.encode((ECPublicKey) mine.getPublic()), auth);
        assertThat(one).isNotEqualTo(two); // a fresh salt and key pair each time
        assertThat(WebPushEncryption.decrypt(one, mine, auth)).isEqualTo(text);
        assertThat(WebPushEncryption.decrypt(two, mine, auth)).isEqualTo(text);
    }

    @Test
    void aTamperedBodyOrAWrongSecretDoesNotDecrypt() {
        KeyPair ua = P256.keyPair(b(UA_PRIVATE), b(UA_PUBLIC));
        byte[] body = b(BODY);
        body[body.length - 1] ^= 0x40;
        assertThatThrownBy(() -> WebPushEncryption.decrypt(body, ua, b(AUTH))).isInstanceOf(IllegalArgumentException.class);
        byte[] wrongAuth = b(AUTH);
        wrongAuth[0] ^= 1;
        assertThatThrownBy(() -> WebPushEncryption.decrypt(b(BODY), ua, wrongAuth)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void payloadsOverTheLimitAndKeysOffTheCurveAreRefused() {
        assertThatThrownBy(() -> WebPushEncryption.encrypt(new byte[WebPushEncryption.MAX_PLAINTEXT + 1], b(UA_PUBLIC), b(AUTH)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] off = b(UA_PUBLIC);
        off[64] ^= 1; // Y changed: no longer on the curve
        assertThatThrownBy(() -> WebPushEncryption.encrypt(new byte[1], off, b(AUTH))).isInstanceOf(IllegalArgumentException.class);
        assertThat(WebPushEncryption.encrypt(new byte[WebPushEncryption.MAX_PLAINTEXT], b(UA_PUBLIC), b(AUTH))).hasSize(4096);
    }
}
