package org.twinmail.sms.gateway.cmpp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.sms.gateway.cmpp.CmppPdu.ActiveTest;
import org.twinmail.sms.gateway.cmpp.CmppPdu.ActiveTestResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Connect;
import org.twinmail.sms.gateway.cmpp.CmppPdu.ConnectResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Deliver;
import org.twinmail.sms.gateway.cmpp.CmppPdu.DeliverResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Report;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Submit;
import org.twinmail.sms.gateway.cmpp.CmppPdu.SubmitResp;
import org.twinmail.sms.gateway.cmpp.CmppPdu.Terminate;
import org.twinmail.sms.gateway.cmpp.CmppPdu.TerminateResp;

/**
 * The CMPP 2.0/3.0 frame codec, apart from any I/O: a frame is the 12-octet header
 * (Total_Length, Command_Id, Sequence_Id, big-endian, the length counting the header) and the
 * body of its command. Octet strings are fixed-length, ASCII, NUL-padded on the right; numbers
 * are unsigned big-endian. {@link #decode} reads one whole frame (as {@link #frameLength} said
 * how long it is) and returns its PDU or throws {@link CmppFormatException}: it never reads past
 * the frame, never allocates more than the frame, and throws nothing else.
 */
public final class CmppCodec {
    private CmppCodec() {}

    /** Octets of the header. */
    public static final int HEADER = 12;
    /**
     * The longest frame read: the largest PDU an ISMG sends (a DELIVER of 3.0 with 255 octets of
     * content is 364) with room to spare; a longer length field is a broken or hostile peer.
     */
    public static final int MAX_FRAME = 4096;

    private static final int LEN_SP_ID = 6;
    private static final int LEN_AUTH = 16;
    private static final int LEN_SERVICE_ID = 10;
    private static final int LEN_FEE_TYPE = 2;
    private static final int LEN_FEE_CODE = 6;
    private static final int LEN_TIME = 17;
    private static final int LEN_SRC_ID = 21;
    private static final int LEN_DEST_ID = 21;
    private static final int LEN_STAT = 7;
    private static final int LEN_REPORT_TIME = 10;

    /** A decoded frame: its sequence id and its PDU. */
    public record Frame(int sequenceId, CmppPdu pdu) { }

    /**
     * The Total_Length of a frame whose first 4 octets are {@code header} (at {@code offset}),
     * checked to lie between {@link #HEADER} and {@link #MAX_FRAME}.
     */
    public static int frameLength(byte[] header, int offset) throws CmppFormatException {
        long len = ((header[offset] & 0xFFL) << 24) | ((header[offset + 1] & 0xFF) << 16) | ((header[offset + 2] & 0xFF) << 8) | (header[offset + 3] & 0xFF);
        if (len < HEADER || len > MAX_FRAME) throw new CmppFormatException("a frame length of " + len + " octets", 0, 0);
        return (int) len;
    }

    // ---------------------------------------------------------------- encoding

    /** The frame of {@code pdu} with sequence id {@code sequenceId}, in the field layout of {@code v}. */
    public static byte[] encode(CmppVersion v, int sequenceId, CmppPdu pdu) {
        Writer w = new Writer();
        w.u32(0);
        w.u32(pdu.commandId());
        w.u32(sequenceId);
        switch (pdu) {
            case Connect c -> {
                w.string(c.sourceAddr(), LEN_SP_ID);
                w.octets(c.authenticatorSource(), LEN_AUTH);
                w.u8(c.version());
                w.u32(c.timestamp());
            }
            case ConnectResp c -> {
                w.unsigned(c.status(), v.status());
                w.octets(c.authenticatorIsmg(), LEN_AUTH);
                w.u8(c.version());
            }
            case Terminate t -> { }
            case TerminateResp t -> { }
            case ActiveTest a -> { }
            case ActiveTestResp a -> w.u8(0);
            case Submit s -> {
                w.u64(s.msgId());
                w.u8(s.pkTotal());
                w.u8(s.pkNumber());
                w.u8(s.registeredDelivery());
                w.u8(s.msgLevel());
                w.string(s.serviceId(), LEN_SERVICE_ID);
                w.u8(s.feeUserType());
                w.string(s.feeTerminalId(), v.terminalId());
                if (v.terminalType()) w.u8(s.feeTerminalType());
                w.u8(s.tpPid());
                w.u8(s.tpUdhi());
                w.u8(s.msgFmt());
                w.string(s.msgSrc(), LEN_SP_ID);
                w.string(s.feeType(), LEN_FEE_TYPE);
                w.string(s.feeCode(), LEN_FEE_CODE);
                w.string(s.validTime(), LEN_TIME);
                w.string(s.atTime(), LEN_TIME);
                w.string(s.srcId(), LEN_SRC_ID);
                if (s.destTerminalIds().isEmpty() || s.destTerminalIds().size() > 100) {
                    throw new IllegalArgumentException("a SUBMIT goes to 1 to 100 terminals, not " + s.destTerminalIds().size());
                }
                w.u8(s.destTerminalIds().size());
                for (String d : s.destTerminalIds()) w.string(d, v.terminalId());
                if (v.terminalType()) w.u8(s.destTerminalType());
                content(w, s.content());
                w.string(v == CmppVersion.V3 ? s.linkId() : "", v.tail());
            }
            case SubmitResp s -> {
                w.u64(s.msgId());
                w.unsigned(s.result(), v.status());
            }
            case Deliver d -> {
                w.u64(d.msgId());
                w.string(d.destId(), LEN_DEST_ID);
                w.string(d.serviceId(), LEN_SERVICE_ID);
                w.u8(d.tpPid());
                w.u8(d.tpUdhi());
                w.u8(d.msgFmt());
                w.string(d.srcTerminalId(), v.terminalId());
                if (v.terminalType()) w.u8(d.srcTerminalType());
                w.u8(d.registeredDelivery());
                content(w, d.content());
                w.string(v == CmppVersion.V3 ? d.linkId() : "", v.tail());
            }
            case DeliverResp d -> {
                w.u64(d.msgId());
                w.unsigned(d.result(), v.status());
            }
        }
        byte[] frame = w.toByteArray();
        int n = frame.length;
        frame[0] = (byte) (n >>> 24);
        frame[1] = (byte) (n >>> 16);
        frame[2] = (byte) (n >>> 8);
        frame[3] = (byte) n;
        return frame;
    }

    private static void content(Writer w, byte[] content) {
        if (content.length > 255) throw new IllegalArgumentException("a message content of " + content.length + " octets (255 at most)");
        w.u8(content.length);
        w.octets(content, content.length);
    }

    /** The content of a DELIVER that is a status report. */
    public static byte[] encodeReport(CmppVersion v, Report r) {
        Writer w = new Writer();
        w.u64(r.msgId());
        w.string(r.stat(), LEN_STAT);
        w.string(r.submitTime(), LEN_REPORT_TIME);
        w.string(r.doneTime(), LEN_REPORT_TIME);
        w.string(r.destTerminalId(), v.terminalId());
        w.u32(r.smscSequence());
        return w.toByteArray();
    }

    // ---------------------------------------------------------------- decoding

    /**
     * The PDU of one whole frame, read in the field layout of {@code v} (a CONNECT_RESP is read
     * by its length, since it comes before the version is agreed).
     */
    public static Frame decode(CmppVersion v, byte[] frame) throws CmppFormatException {
        if (frame.length < HEADER) throw new CmppFormatException("a frame of " + frame.length + " octets, shorter than the header", 0, 0);
        Reader r = new Reader(frame, 0, 0);
        long total = r.u32();
        int command = (int) r.u32();
        int seq = (int) r.u32();
        r = new Reader(frame, command, seq);
        r.pos = HEADER;
        if (total != frame.length) throw r.error("Total_Length " + total + " for a frame of " + frame.length + " octets");
        CmppPdu pdu = switch (command) {
            case CmppPdu.CONNECT -> new Connect(r.string(LEN_SP_ID), r.octets(LEN_AUTH), r.u8(), r.u32());
            case CmppPdu.CONNECT_RESP -> {
                int statusLength = frame.length - HEADER - LEN_AUTH - 1;
                if (statusLength != 1 && statusLength != 4) throw r.error("a CONNECT_RESP of " + frame.length + " octets");
                yield new ConnectResp(r.unsigned(statusLength), r.octets(LEN_AUTH), r.u8());
            }
            case CmppPdu.TERMINATE -> new Terminate();
            case CmppPdu.TERMINATE_RESP -> new TerminateResp();
            case CmppPdu.ACTIVE_TEST -> new ActiveTest();
            case CmppPdu.ACTIVE_TEST_RESP -> {
                if (r.remaining() > 0) r.u8(); // Reserved; some ISMGs leave it out
                yield new ActiveTestResp();
            }
            case CmppPdu.SUBMIT -> submit(v, r);
            case CmppPdu.SUBMIT_RESP -> new SubmitResp(r.u64(), r.unsigned(v.status()));
            case CmppPdu.DELIVER -> deliver(v, r);
            case CmppPdu.DELIVER_RESP -> new DeliverResp(r.u64(), r.unsigned(v.status()));
            default -> throw r.error("unknown Command_Id 0x" + Integer.toHexString(command));
        };
        if (r.remaining() != 0) throw r.error(r.remaining() + " octets after the body of " + pdu.getClass().getSimpleName());
        return new Frame(seq, pdu);
    }

    private static Submit submit(CmppVersion v, Reader r) throws CmppFormatException {
        long msgId = r.u64();
        int pkTotal = r.u8();
        int pkNumber = r.u8();
        int registered = r.u8();
        int level = r.u8();
        String serviceId = r.string(LEN_SERVICE_ID);
        int feeUserType = r.u8();
        String feeTerminalId = r.string(v.terminalId());
        int feeTerminalType = v.terminalType() ? r.u8() : 0;
        int tpPid = r.u8();
        int tpUdhi = r.u8();
        int fmt = r.u8();
        String msgSrc = r.string(LEN_SP_ID);
        String feeType = r.string(LEN_FEE_TYPE);
        String feeCode = r.string(LEN_FEE_CODE);
        String validTime = r.string(LEN_TIME);
        String atTime = r.string(LEN_TIME);
        String srcId = r.string(LEN_SRC_ID);
        int count = r.u8();
        if (count < 1 || count > 100) throw r.error("DestUsr_tl " + count);
        List<String> dest = new ArrayList<>(count);
        for (int i = 0; i < count; i++) dest.add(r.string(v.terminalId()));
        int destType = v.terminalType() ? r.u8() : 0;
        byte[] content = r.octets(r.u8());
        String linkId = r.string(v.tail());
        return new Submit(msgId, pkTotal, pkNumber, registered, level, serviceId, feeUserType, feeTerminalId, feeTerminalType, tpPid, tpUdhi, fmt,
                msgSrc, feeType, feeCode, validTime, atTime, srcId, dest, destType, content, v == CmppVersion.V3 ? linkId : "");
    }

    private static Deliver deliver(CmppVersion v, Reader r) throws CmppFormatException {
        long msgId = r.u64();
        String destId = r.string(LEN_DEST_ID);
        String serviceId = r.string(LEN_SERVICE_ID);
        int tpPid = r.u8();
        int tpUdhi = r.u8();
        int fmt = r.u8();
        String src = r.string(v.terminalId());
        int srcType = v.terminalType() ? r.u8() : 0;
        int registered = r.u8();
        byte[] content = r.octets(r.u8());
        String linkId = r.string(v.tail());
        return new Deliver(msgId, destId, serviceId, tpPid, tpUdhi, fmt, src, srcType, registered, content, v == CmppVersion.V3 ? linkId : "");
    }

    /** The status report a DELIVER with Registered_Delivery 1 carries as its content. */
    public static Report decodeReport(CmppVersion v, byte[] content) throws CmppFormatException {
        if (content.length != v.reportLength()) {
            throw new CmppFormatException("a status report of " + content.length + " octets, not " + v.reportLength(), CmppPdu.DELIVER, 0);
        }
        Reader r = new Reader(content, CmppPdu.DELIVER, 0);
        return new Report(r.u64(), r.string(LEN_STAT), r.string(LEN_REPORT_TIME), r.string(LEN_REPORT_TIME), r.string(v.terminalId()), r.u32());
    }

    /** Reads fields off a frame, every read checked against its end. */
    private static final class Reader {
        private final byte[] b;
        private final int command;
        private final int seq;
        int pos;

        Reader(byte[] b, int command, int seq) {
            this.b = b;
            this.command = command;
            this.seq = seq;
        }

        CmppFormatException error(String what) {
            return new CmppFormatException(what, command, seq);
        }

        int remaining() {
            return b.length - pos;
        }

        private void need(int n) throws CmppFormatException {
            if (n > remaining()) throw error("the frame ends " + (n - remaining()) + " octets early at offset " + pos);
        }

        int u8() throws CmppFormatException {
            need(1);
            return b[pos++] & 0xFF;
        }

        long unsigned(int octets) throws CmppFormatException {
            need(octets);
            long v = 0;
            for (int i = 0; i < octets; i++) v = (v << 8) | (b[pos++] & 0xFF);
            return v;
        }

        long u32() throws CmppFormatException {
            return unsigned(4);
        }

        long u64() throws CmppFormatException {
            return unsigned(8);
        }

        byte[] octets(int n) throws CmppFormatException {
            need(n);
            byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }

        /** A fixed-length octet string up to its first NUL (ISO-8859-1, so no octet is refused). */
        String string(int n) throws CmppFormatException {
            need(n);
            int end = pos;
            while (end < pos + n && b[end] != 0) end++;
            String s = new String(b, pos, end - pos, StandardCharsets.ISO_8859_1);
            pos += n;
            return s;
        }
    }

    /** Writes fields of a frame. */
    private static final class Writer extends ByteArrayOutputStream {
        Writer() {
            super(64);
        }

        void u8(int v) {
            write(v & 0xFF);
        }

        void unsigned(long v, int octets) {
            for (int i = octets - 1; i >= 0; i--) write((int) (v >>> (8 * i)) & 0xFF);
        }

        void u32(long v) {
            unsigned(v, 4);
        }

        void u64(long v) {
            unsigned(v, 8);
        }

        void octets(byte[] o, int n) {
            if (o.length != n) throw new IllegalArgumentException(o.length + " octets for a field of " + n);
            write(o, 0, n);
        }

        /** An ASCII string NUL-padded to {@code n} octets; a longer one is a configuration error. */
        void string(String s, int n) {
            byte[] a = s.getBytes(StandardCharsets.US_ASCII);
            if (a.length > n) throw new IllegalArgumentException("\"" + s + "\" is longer than its field of " + n + " octets");
            write(a, 0, a.length);
            for (int i = a.length; i < n; i++) write(0);
        }
    }
}
