package org.twinmail.sms.gateway.cmpp;

/**
 * A frame that is not a well-formed CMPP PDU: too short or too long for its command, an
 * unknown command, a length field that disagrees with the frame. {@code commandId} and
 * {@code sequenceId} are the header's when it could be read (0 otherwise), so a malformed
 * request can still be answered.
 */
public final class CmppFormatException extends Exception {
    private final int commandId;
    private final int sequenceId;

    public CmppFormatException(String message, int commandId, int sequenceId) {
        super(message);
        this.commandId = commandId;
        this.sequenceId = sequenceId;
    }

    public int commandId() {
        return commandId;
    }

    public int sequenceId() {
        return sequenceId;
    }
}
