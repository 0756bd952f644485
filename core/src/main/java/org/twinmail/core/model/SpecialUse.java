package org.twinmail.core.model;

/** RFC 6154 special-use attributes; every account gets one mailbox of each at creation. */
public enum SpecialUse {
    INBOX(null, "INBOX"),
    SENT("\\Sent", "Sent"),
    DRAFTS("\\Drafts", "Drafts"),
    TRASH("\\Trash", "Trash"),
    JUNK("\\Junk", "Junk");

    private final String attribute;
    private final String defaultName;

    SpecialUse(String attribute, String defaultName) {
        this.attribute = attribute;
        this.defaultName = defaultName;
    }

    /** The IMAP LIST attribute, or null for INBOX, which has none. */
    public String attribute() {
        return attribute;
    }

    public String defaultName() {
        return defaultName;
    }
}
