package org.twinmail.store;

/**
 * One entry of the change log.
 *
 * @param position  its place in the log (strictly increasing); doubles as IMAP MODSEQ
 * @param epoch     the epoch of the writer that made it
 * @param kind      what happened
 * @param accountId account concerned, 0 for directory-wide changes
 * @param mailboxId mailbox concerned, 0 if none
 * @param uid       message concerned, 0 if none
 * @param detail    kind-specific text (a name, flags), may be empty; for MESSAGE_ADDED and
 *                  MESSAGE_EXPUNGED the message's content address (SHA-256 hex), which JMAP's
 *                  Email ids are made of
 */
public record Change(long position, long epoch, Kind kind, long accountId, long mailboxId, long uid, String detail) {
    public enum Kind {
        DOMAIN_ADDED, DOMAIN_REMOVED, DOMAIN_CHANGED,
        ACCOUNT_ADDED, ACCOUNT_REMOVED, ACCOUNT_CHANGED,
        ALIAS_ADDED, ALIAS_REMOVED,
        MAILBOX_CREATED, MAILBOX_DELETED, MAILBOX_RENAMED,
        MESSAGE_ADDED, MESSAGE_EXPUNGED, FLAGS_CHANGED,
        EPOCH_RAISED,
        /** A {@link Records} record was put or deleted; detail is kind, scope and name separated by tabs. */
        RECORD_CHANGED,
        /** An account subscribed to or unsubscribed from a mailbox name (IMAP NOTIFY's SubscriptionChange); detail is the name. */
        SUBSCRIPTION_CHANGED,
        /**
         * A kind written by a newer TwinMail that this one does not know (a rolling upgrade runs
         * two versions on one store): readers skip it rather than fail on it.
         */
        UNKNOWN
    }

    /** The kind named {@code name}, or {@link Kind#UNKNOWN} for one this version does not know. */
    public static Kind kindOf(String name) {
        try {
            return Kind.valueOf(name);
        } catch (IllegalArgumentException e) {
            return Kind.UNKNOWN;
        }
    }
}
