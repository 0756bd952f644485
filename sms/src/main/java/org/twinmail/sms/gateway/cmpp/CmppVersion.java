package org.twinmail.sms.gateway.cmpp;

import java.util.Locale;

/**
 * The two CMPP versions in use and where their PDUs differ: the length of a terminal number
 * (21 octets in 2.0, 32 in 3.0, which adds a terminal-type octet after it), the length of a
 * response's status (1 octet, 4 in 3.0) and the octets that end SUBMIT and DELIVER (2.0's
 * Reserve of 8, 3.0's LinkID of 20).
 */
public enum CmppVersion {
    V2(0x20, 21, 1, 8),
    V3(0x30, 32, 4, 20);

    private final int code;
    private final int terminalId;
    private final int status;
    private final int tail;

    CmppVersion(int code, int terminalId, int status, int tail) {
        this.code = code;
        this.terminalId = terminalId;
        this.status = status;
        this.tail = tail;
    }

    /** The Version octet of CMPP_CONNECT: 0x20 or 0x30. */
    public int code() {
        return code;
    }

    /** Octets of a terminal number (Dest_terminal_Id, Src_terminal_Id, Fee_terminal_Id). */
    int terminalId() {
        return terminalId;
    }

    /** Whether a terminal number is followed by its type octet (pseudo-code or real number). */
    boolean terminalType() {
        return this == V3;
    }

    /** Octets of CONNECT_RESP's Status and SUBMIT_RESP's and DELIVER_RESP's Result. */
    int status() {
        return status;
    }

    /** Octets that end SUBMIT and DELIVER: Reserve (2.0) or LinkID (3.0). */
    int tail() {
        return tail;
    }

    /** Octets of a status report's content (Msg_Id, Stat, Submit_time, Done_time, Dest_terminal_Id, SMSC_sequence). */
    int reportLength() {
        return 8 + 7 + 10 + 10 + terminalId + 4;
    }

    /** {@code "2.0"} or {@code "3.0"}, as the configuration names them. */
    public static CmppVersion of(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "2", "2.0", "20" -> V2;
            case "3", "3.0", "30" -> V3;
            default -> throw new IllegalArgumentException("CMPP version must be 2.0 or 3.0, not " + name);
        };
    }

    /** The version of a CONNECT's Version octet (major version in the high nibble); null when neither. */
    public static CmppVersion ofCode(int code) {
        return switch (code >> 4) {
            case 2 -> V2;
            case 3 -> V3;
            default -> null;
        };
    }
}
