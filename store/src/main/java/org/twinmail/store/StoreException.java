package org.twinmail.store;

import java.util.List;

/** A store operation failed; the subclass says why, the message says it to a human. Nothing was written. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The named thing does not exist. */
    public static final class NotFound extends StoreException {
        public NotFound(String message) { super(message); }
    }

    /** It exists already, or something depends on it. */
    public static final class Conflict extends StoreException {
        public Conflict(String message) { super(message); }
    }

    /**
     * The acting account lacks a right the operation needs ({@link MailboxAccess}); {@code missing}
     * names the RFC 4314 rights. Nothing was written.
     */
    public static final class Forbidden extends StoreException {
        private final String missing;

        public Forbidden(String missing, String message) {
            super(message);
            this.missing = missing;
        }

        /** The rights that were missing, as letters ("" when the operation is not allowed to anyone acting as an account). */
        public String missing() {
            return missing;
        }
    }

    /** A writer opened under an older epoch tried to write after a newer one took over. */
    public static final class StaleEpoch extends StoreException {
        public StaleEpoch(long mine, long stored) {
            super("store fenced: this node writes with epoch " + mine + " but epoch " + stored + " has taken over");
        }
    }

    /** A delivery would exceed a quota; {@code refusals} names each recipient and reason. */
    public static final class QuotaExceeded extends StoreException {
        /** FULL: the storage limit; MESSAGES: the message-count limit; MESSAGE_TOO_BIG: the per-message size limit. */
        public enum Reason { ACCOUNT_FULL, DOMAIN_FULL, ACCOUNT_MESSAGES, DOMAIN_MESSAGES, MESSAGE_TOO_BIG }

        public record Refusal(long accountId, Reason reason) { }

        private final List<Refusal> refusals;

        public QuotaExceeded(List<Refusal> refusals) {
            super("quota exceeded: " + refusals);
            this.refusals = List.copyOf(refusals);
        }

        public List<Refusal> refusals() {
            return refusals;
        }
    }

    /** The store is closed or its storage failed (I/O error, disk full). */
    public static final class Unavailable extends StoreException {
        public Unavailable(String message, Throwable cause) { super(message, cause); }
    }
}
