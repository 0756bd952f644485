package org.twinmail.sms.gateway.cmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Connect;
import org.twinmail.sms.gateway.cmpp.CmppPdu.ConnectResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Deliver;
import org.twinmail.sms.gateway.cmpp.CmppPdu.DeliverResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Report;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Submit;
import org.twinmail.sms.gateway.cmpp.CmppPdu.SubmitResp;

/** The CMPP codec against the field layouts of the CMPP 2.0 and 3.0 specifications, octet by octet. */
class CmppCodecTest {
    static final HexFormat HEX = HexFormat.of();

    static byte[] md5(byte[]... parts) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        for (byte[] p : parts) md.update(p);
        return md.digest();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void connectCarriesTheMd5AuthenticatorOfTheSpIdNineNulsTheSecretAndTheTimestamp() throws Exception {
        assertThat(CmppAuth.timestamp(Instant.parse("2026-12-07T15:30:05Z"))).isEqualTo(1207233005L); // 23:30:05 in Beijing
        assertThat(CmppAuth.timestamp(Instant.parse("2026-01-02T01:02:03Z"))).isEqualTo(102090203L);  // "0102090203" in the MD5
        byte[] auth = CmppAuth.authenticatorSource("901234", "s3cret", 102090203L);
        assertThat(auth).isEqualTo(md5(ascii("901234"), new byte[9], ascii("s3cret"), ascii("0102090203")));
        byte[] frame = CmppCodec.encode(CmppVersion.V3, 1, new Connect("901234", auth, 0x30, 102090203L));
        assertThat(HEX.formatHex(frame)).isEqualTo("00000027" + "00000001" + "00000001" + HEX.formatHex(ascii("901234")) + HEX.formatHex(auth)
                + "30" + String.format("%08x", 102090203L));
        CmppCodec.Frame back = CmppCodec.decode(CmppVersion.V3, frame);
        assertThat(back.sequenceId()).isEqualTo(1);
        Connect c = (Connect) back.pdu();
        assertThat(c.sourceAddr()).isEqualTo("901234");
        assertThat(c.authenticatorSource()).isEqualTo(auth);
        assertThat(c.timestamp()).isEqualTo(102090203L);
    }

    @Test
    void connectRespHasAOneOctetStatusIn2AndFourIn3AndTheIsmgsAuthenticator() throws Exception {
        byte[] src = CmppAuth.authenticatorSource("901234", "s3cret", 1207233005L);
        byte[] ismg2 = CmppAuth.authenticatorIsmg(CmppVersion.V2, 0, src, "s3cret");
        assertThat(ismg2).isEqualTo(md5(new byte[] {0}, src, ascii("s3cret")));
        byte[] ismg3 = CmppAuth.authenticatorIsmg(CmppVersion.V3, 0, src, "s3cret");
        assertThat(ismg3).isEqualTo(md5(new byte[4], src, ascii("s3cret")));
        byte[] f2 = CmppCodec.encode(CmppVersion.V2, 9, new ConnectResp(0, ismg2, 0x20));
        byte[] f3 = CmppCodec.encode(CmppVersion.V3, 9, new ConnectResp(3, ismg3, 0x30));
        assertThat(f2).hasSize(30);
        assertThat(f3).hasSize(33);
        assertThat(HEX.formatHex(f3, 0, 16)).isEqualTo("00000021800000010000000900000003");
        // read by its length, whatever version was asked for
        ConnectResp r2 = (ConnectResp) CmppCodec.decode(CmppVersion.V3, f2).pdu();
        assertThat(r2.status()).isZero();
        assertThat(r2.authenticatorIsmg()).isEqualTo(ismg2);
        assertThat(r2.version()).isEqualTo(0x20);
        assertThat(((ConnectResp) CmppCodec.decode(CmppVersion.V2, f3).pdu()).status()).isEqualTo(3);
    }

    static Submit submit(byte[] content) {
        return new Submit(0, 2, 1, 1, 0, "MTWM", 2, "", 0, 0, 1, 8, "901234", "01", "000000", "", "", "106900001234",
                List.of("13800138000"), 0, content, "");
    }

    @Test
    void submitHasTheFieldsOfEachVersionInTheirPlaces() throws Exception {
        byte[] content = HEX.parseHex("0500038802016d4b8bd5");
        byte[] v3 = CmppCodec.encode(CmppVersion.V3, 5, submit(content));
        byte[] v2 = CmppCodec.encode(CmppVersion.V2, 5, submit(content));
        assertThat(v3).hasSize(12 + 183 + content.length);
        assertThat(v2).hasSize(12 + 147 + content.length);
        ByteBuffer b = ByteBuffer.wrap(v3);
        assertThat(b.getInt(0)).isEqualTo(v3.length);
        assertThat(b.getInt(4)).isEqualTo(0x00000004);
        assertThat(b.getLong(12)).isZero();                                  // Msg_Id
        assertThat(Arrays.copyOfRange(v3, 20, 24)).containsExactly(2, 1, 1, 0); // Pk_total, Pk_number, Registered_Delivery, Msg_level
        assertThat(new String(v3, 24, 10, StandardCharsets.US_ASCII)).isEqualTo("MTWM\0\0\0\0\0\0"); // Service_Id
        assertThat(v3[34]).isEqualTo((byte) 2);                              // Fee_UserType
        // Fee_terminal_Id 32 (35..66), Fee_terminal_type 67, TP_pId 68, TP_udhi 69, Msg_Fmt 70, Msg_src 71..76
        assertThat(v3[69]).isEqualTo((byte) 1);
        assertThat(v3[70]).isEqualTo((byte) 8);
        assertThat(new String(v3, 71, 6, StandardCharsets.US_ASCII)).isEqualTo("901234");
        assertThat(new String(v3, 77, 2, StandardCharsets.US_ASCII)).isEqualTo("01");        // FeeType
        assertThat(new String(v3, 79, 6, StandardCharsets.US_ASCII)).isEqualTo("000000");    // FeeCode
        // ValId_Time 85..101, At_Time 102..118, Src_Id 119..139
        assertThat(new String(v3, 119, 12, StandardCharsets.US_ASCII)).isEqualTo("106900001234");
        assertThat(v3[140]).isEqualTo((byte) 1);                              // DestUsr_tl
        assertThat(new String(v3, 141, 11, StandardCharsets.US_ASCII)).isEqualTo("13800138000");
        assertThat(v3[173]).isZero();                                         // Dest_terminal_type
        assertThat(v3[174]).isEqualTo((byte) content.length);                // Msg_Length
        assertThat(Arrays.copyOfRange(v3, 175, 175 + content.length)).isEqualTo(content);
        // 2.0: 21-octet numbers, no terminal types, Reserve of 8
        assertThat(v2[57]).isEqualTo((byte) 1);                               // TP_udhi
        assertThat(v2[58]).isEqualTo((byte) 8);                               // Msg_Fmt
        assertThat(new String(v2, 107, 12, StandardCharsets.US_ASCII)).isEqualTo("106900001234");
        assertThat(v2[128]).isEqualTo((byte) 1);
        assertThat(new String(v2, 129, 11, StandardCharsets.US_ASCII)).isEqualTo("13800138000");
        assertThat(v2[150]).isEqualTo((byte) content.length);
        for (CmppVersion v : CmppVersion.values()) {
            Submit back = (Submit) CmppCodec.decode(v, v == CmppVersion.V3 ? v3 : v2).pdu();
            assertThat(back.srcId()).isEqualTo("106900001234");
            assertThat(back.destTerminalIds()).containsExactly("13800138000");
            assertThat(back.content()).isEqualTo(content);
            assertThat(back.serviceId()).isEqualTo("MTWM");
            assertThat(back.pkTotal()).isEqualTo(2);
        }
    }

    @Test
    void responsesHaveAOneOctetResultIn2AndFourIn3() throws Exception {
        long id = 0x8C1F_0000_1234_0001L; // the high bit set: Msg_Id is unsigned
        byte[] v3 = CmppCodec.encode(CmppVersion.V3, 7, new SubmitResp(id, 8));
        byte[] v2 = CmppCodec.encode(CmppVersion.V2, 7, new SubmitResp(id, 8));
        assertThat(HEX.formatHex(v3)).isEqualTo("00000018" + "80000004" + "00000007" + "8c1f000012340001" + "00000008");
        assertThat(HEX.formatHex(v2)).isEqualTo("00000015" + "80000004" + "00000007" + "8c1f000012340001" + "08");
        SubmitResp r = (SubmitResp) CmppCodec.decode(CmppVersion.V2, v2).pdu();
        assertThat(Long.toUnsignedString(r.msgId())).isEqualTo("10096788889893339137");
        assertThat(r.result()).isEqualTo(8);
        assertThat(HEX.formatHex(CmppCodec.encode(CmppVersion.V3, 3, new DeliverResp(id, 0)))).endsWith("8c1f00001234000100000000");
        assertThat(HEX.formatHex(CmppCodec.encode(CmppVersion.V3, 4, new CmppPdu.ActiveTestResp()))).isEqualTo("0000000d800000080000000400");
        assertThat(HEX.formatHex(CmppCodec.encode(CmppVersion.V3, 4, new CmppPdu.ActiveTest()))).isEqualTo("0000000c0000000800000004");
    }

    @Test
    void aDeliverIsAnMoOrAStatusReportInEitherVersion() throws Exception {
        for (CmppVersion v : CmppVersion.values()) {
            byte[] text = "好的".getBytes(StandardCharsets.UTF_16BE);
            byte[] mo = CmppCodec.encode(v, 11, new Deliver(42, "106900001234", "MTWM", 0, 0, 8, "8613800138000", 0, 0, text, ""));
            int terminal = v == CmppVersion.V3 ? 33 : 21;
            assertThat(mo).hasSize(12 + 8 + 21 + 10 + 3 + terminal + 1 + 1 + text.length + (v == CmppVersion.V3 ? 20 : 8));
            Deliver d = (Deliver) CmppCodec.decode(v, mo).pdu();
            assertThat(d.isReport()).isFalse();
            assertThat(d.destId()).isEqualTo("106900001234");
            assertThat(d.srcTerminalId()).isEqualTo("8613800138000");
            assertThat(new String(d.content(), StandardCharsets.UTF_16BE)).isEqualTo("好的");

            Report report = new Report(-2L, "DELIVRD", "2612071530", "2612071531", "13800138000", 77);
            byte[] content = CmppCodec.encodeReport(v, report);
            assertThat(content).hasSize(v == CmppVersion.V3 ? 71 : 60);
            assertThat(new String(content, 8, 7, StandardCharsets.US_ASCII)).isEqualTo("DELIVRD");
            Deliver r = (Deliver) CmppCodec.decode(v, CmppCodec.encode(v, 12, new Deliver(43, "10690000", "", 0, 0, 0, "13800138000", 0, 1,
                    content, ""))).pdu();
            assertThat(r.isReport()).isTrue();
            assertThat(CmppCodec.decodeReport(v, r.content())).isEqualTo(report);
        }
    }

    @Test
    void malformedFramesAreTypedErrorsThatKeepTheHeader() {
        byte[] ok = CmppCodec.encode(CmppVersion.V3, 77, new Deliver(1, "1069", "", 0, 0, 0, "13800138000", 0, 0, ascii("hi"), ""));
        byte[] shorter = Arrays.copyOf(ok, ok.length - 1);
        ByteBuffer.wrap(shorter).putInt(0, shorter.length);
        assertThatThrownBy(() -> CmppCodec.decode(CmppVersion.V3, shorter)).isInstanceOfSatisfying(CmppFormatException.class, e -> {
            assertThat(e.commandId()).isEqualTo(CmppPdu.DELIVER);
            assertThat(e.sequenceId()).isEqualTo(77);
        });
        // a Msg_Length past the end of the frame
        byte[] lying = ok.clone();
        lying[12 + 8 + 21 + 10 + 3 + 33 + 1] = (byte) 200;
        assertThatThrownBy(() -> CmppCodec.decode(CmppVersion.V3, lying)).isInstanceOf(CmppFormatException.class);
        // the length field disagrees with the frame
        byte[] wrongLength = ok.clone();
        ByteBuffer.wrap(wrongLength).putInt(0, ok.length + 1);
        assertThatThrownBy(() -> CmppCodec.decode(CmppVersion.V3, wrongLength)).isInstanceOf(CmppFormatException.class);
        // an unknown command, a header cut short, a frame length out of bounds
        assertThatThrownBy(() -> CmppCodec.decode(CmppVersion.V3, HEX.parseHex("0000000c0000009900000001")))
                .isInstanceOf(CmppFormatException.class).hasMessageContaining("0x99");
        assertThatThrownBy(() -> CmppCodec.decode(CmppVersion.V3, HEX.parseHex("0000000c0000"))).isInstanceOf(CmppFormatException.class);
        assertThatThrownBy(() -> CmppCodec.frameLength(HEX.parseHex("00001001"), 0)).isInstanceOf(CmppFormatException.class);
        assertThatThrownBy(() -> CmppCodec.frameLength(HEX.parseHex("0000000b"), 0)).isInstanceOf(CmppFormatException.class);
        assertThatThrownBy(() -> CmppCodec.decodeReport(CmppVersion.V3, new byte[60])).isInstanceOf(CmppFormatException.class);
    }

    @Test
    void fieldsLongerThanTheirPlaceAreRefusedWhenWriting() {
        Submit tooLong = new Submit(0, 1, 1, 1, 0, "MTWM-SERVICE", 2, "", 0, 0, 0, 0, "901234", "01", "000000", "", "", "1069", List.of("1"), 0,
                new byte[0], "");
        assertThatThrownBy(() -> CmppCodec.encode(CmppVersion.V3, 1, tooLong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MTWM-SERVICE");
    }
}
