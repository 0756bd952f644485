package org.twinmail.sms.gateway.cmpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.twinmail.core.fuzz.Fuzzing;

/**
 * Fuzz target for the CMPP frame codec (docs/fuzzing.md): any octets an ISMG sends, read as a
 * frame in the 2.0 or 3.0 layout, are a PDU or a {@link CmppFormatException}; the length check
 * of the header, a status report's content, a UDH and a content's text by its Msg_Fmt throw
 * nothing else either. What is read is bounded by the frame.
 * Regression inputs: {@code src/test/resources/org/twinmail/sms/gateway/cmpp/CmppCodecFuzzTestInputs/frame}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CmppCodecFuzzTest {

    @FuzzTest
    void frame(FuzzedDataProvider data) {
        CmppVersion v = data.pickValue(CmppVersion.values());
        byte[] frame = data.consumeRemainingAsBytes();
        if (frame.length > CmppCodec.MAX_FRAME) frame = java.util.Arrays.copyOf(frame, CmppCodec.MAX_FRAME);
        byte[] f = frame;
        if (f.length >= 4) {
            Integer length = Fuzzing.parse(() -> CmppCodec.frameLength(f, 0), CmppFormatException.class);
            if (length != null) assertThat(length).isBetween(CmppCodec.HEADER, CmppCodec.MAX_FRAME);
        }
        CmppCodec.Frame decoded = Fuzzing.parse(() -> CmppCodec.decode(v, f), CmppFormatException.class);
        if (decoded == null) return;
        assertThat(decoded.pdu()).isNotNull();
        if (decoded.pdu() instanceof CmppPdu.Deliver d) {
            Fuzzing.bounded("deliver content", d.content().length, f.length, 1, 0);
            if (d.isReport()) Fuzzing.parse(() -> CmppCodec.decodeReport(v, d.content()), CmppFormatException.class);
            CmppGateway.Udh udh = Fuzzing.parse(() -> CmppGateway.Udh.of(d.content()));
            if (udh != null) assertThat(udh.length()).isBetween(1, d.content().length);
            String text = Fuzzing.parse(() -> CmppGateway.text(d.msgFmt(), d.content()));
            Fuzzing.bounded("text", text.length(), d.content().length, 1, 0);
        }
        // what was read can be written again in the same layout (strings past a NUL or outside ASCII aside)
        Fuzzing.run(() -> CmppCodec.encode(v, decoded.sequenceId(), decoded.pdu()), IllegalArgumentException.class);
    }
}
