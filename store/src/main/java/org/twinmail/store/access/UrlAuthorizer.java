package org.twinmail.store.access;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.mail.mime.Section;
import org.twinmail.mail.url.ImapUrl;
import org.twinmail.store.Directory;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.Records;
import org.twinmail.store.StoreException;
import org.twinmail.store.StoredRecord;

/**
 * URLAUTH (RFC 4467): who may read a message by its IMAP URL, for IMAP's GENURLAUTH, RESETKEY
 * and URLFETCH and the submission server's BURL (RFC 4468) alike, one code for both, in the
 * store because it is a rule of access to the store's mailboxes (as {@link MailboxAccess}'s
 * rights are) and both protocols reach the store but not each other.
 *
 * <ul>
 *   <li>Mailbox access keys (2.2): 32 random octets per mailbox, created at its first
 *       GENURLAUTH, kept as the store's records of kind {@value #KIND}, scope
 *       {@code account:<id>}, name {@code m<mailbox id>} (so a RENAME keeps them, and they go
 *       with the account). RESETKEY replaces them: every URL authorized before stops working.</li>
 *   <li>The INTERNAL mechanism (2.4.1): the token is HMAC-SHA256 of the rump URL (the URL up to
 *       and including ";URLAUTH=access", 5) under the mailbox's key, in lower-case hex (64
 *       digits). Verification recomputes it and compares in constant time (6).</li>
 *   <li>Access identifiers (3): {@code anonymous} any session, {@code authuser} any logged-in
 *       user of this server, {@code user+name} only that user, {@code submit+name} only the
 *       submission server acting for that user (BURL), never an IMAP URLFETCH.
 *       {@code ;EXPIRE=} (RFC 3339) is checked against the clock.</li>
 *   <li>A URL is read with the access of the user it names (7: URLFETCH "executes with the
 *       access of the userid in the server component"): that account's own mailbox, by name,
 *       UIDVALIDITY when given, and UID.</li>
 * </ul>
 * Anything that does not hold (syntax, user, mailbox, UIDVALIDITY, message, key, token,
 * access, expiry) is the same empty answer, so a caller cannot tell why (RFC 4467 6, 10).
 */
public final class UrlAuthorizer {
    /** The records of the mailbox access keys. */
    public static final String KIND = "imap.urlauth.key";
    /** The one mechanism (RFC 4467 2.4.1). */
    public static final String INTERNAL = "INTERNAL";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Directory directory;
    private final Mailboxes mailboxes;
    private final Records records;

    public UrlAuthorizer(Directory directory, Mailboxes mailboxes, Records records) {
        this.directory = directory;
        this.mailboxes = mailboxes;
        this.records = records;
    }

    /** Why GENURLAUTH refuses a URL (RFC 4467 7: a tagged BAD). */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    /**
     * GENURLAUTH (RFC 4467 7): {@code rump} must be an absolute URL of a message of one of the
     * account's own mailboxes naming the account's user, ending in ";URLAUTH=access" with no
     * mechanism; the mailbox's key is made on first use. Returns the authorized URL.
     */
    public String generate(Account account, String rump, String mechanism) throws Refused {
        if (!mechanism.equalsIgnoreCase(INTERNAL)) throw new Refused("unknown URLAUTH mechanism " + mechanism);
        ImapUrl u = ImapUrl.parse(rump).orElseThrow(() -> new Refused("not an IMAP URL of a message"));
        if (u.host() == null || u.user() == null) throw new Refused("the URL needs a user and a server (RFC 4467 9)");
        if (u.access() == null || u.mechanism() != null) throw new Refused("the URL must end in ;URLAUTH=<access>, with no mechanism");
        if (!validAccess(u.access())) throw new Refused("unknown access identifier " + u.access());
        if (!sameUser(u.user(), account.address())) throw new Refused("the URL names another user");
        if (u.expire() != null && expiry(u.expire()).isEmpty()) throw new Refused("bad ;EXPIRE= date-time");
        Mailbox box = mailboxes.mailbox(account.id(), mailboxName(u.mailbox()))
                .orElseThrow(() -> new Refused("no mailbox " + u.mailbox()));
        if (u.uidValidity() != 0 && u.uidValidity() != box.uidValidity()) throw new Refused("UIDVALIDITY is not the mailbox's");
        byte[] key = key(account.id(), box.id(), true);
        return rump + ":" + INTERNAL + ":" + token(key, rump);
    }

    /** RESETKEY without a mailbox: every key of the account goes (new ones are made on demand). */
    public void resetAll(long accountId) {
        for (StoredRecord r : records.records(KIND, scope(accountId))) records.deleteRecord(KIND, r.scope(), r.name());
    }

    /** RESETKEY mailbox: a new key for the mailbox. */
    public void reset(long accountId, long mailboxId) {
        records.putRecord(KIND, scope(accountId), "m" + mailboxId, newKey(), 0);
    }

    /**
     * What a URL names, once everything about it holds; empty otherwise.
     *
     * @param requester  the logged-in user asking (IMAP URLFETCH), or the submission user (BURL)
     * @param submission true for the submission server (BURL), which alone may use {@code submit+}
     */
    public Optional<Fetched> fetch(String url, EmailAddress requester, boolean submission, Instant now) {
        ImapUrl u = ImapUrl.parse(url).orElse(null);
        if (u == null || u.host() == null || u.user() == null || u.access() == null || u.mechanism() == null || u.mailbox() == null) {
            return Optional.empty();
        }
        if (!u.mechanism().equals(INTERNAL) || !permits(u.access(), requester, submission)) return Optional.empty();
        if (u.expire() != null && expiry(u.expire()).map(now::isAfter).orElse(true)) return Optional.empty();
        try {
            Optional<Account> owner = directory.findAccount(EmailAddress.parse(u.user()));
            if (owner.isEmpty()) return Optional.empty();
            Optional<Mailbox> box = mailboxes.mailbox(owner.get().id(), mailboxName(u.mailbox()));
            if (box.isEmpty() || (u.uidValidity() != 0 && u.uidValidity() != box.get().uidValidity())) return Optional.empty();
            byte[] key = key(owner.get().id(), box.get().id(), false);
            if (key == null) return Optional.empty();
            byte[] expected = token(key, ImapUrl.withoutToken(url)).getBytes(StandardCharsets.US_ASCII);
            if (!MessageDigest.isEqual(expected, u.token().getBytes(StandardCharsets.US_ASCII))) return Optional.empty();
            MessageEntry entry = null;
            for (MessageEntry e : mailboxes.messages(box.get().id())) {
                if (e.uid() == u.uid()) entry = e;
            }
            if (entry == null) return Optional.empty();
            Section section = null;
            if (u.section() != null) {
                section = Section.ofUrl(u.section()).orElse(null);
                if (section == null) return Optional.empty();
            }
            MimePart message;
            try (InputStream in = mailboxes.openBlob(entry.blobId())) {
                message = MimePart.parse(in.readAllBytes());
            }
            byte[] content = section == null ? message.data() : section.extract(message);
            if (u.partialStart() >= 0) {
                int from = (int) Math.min(u.partialStart(), content.length);
                int to = u.partialLength() < 0 ? content.length : (int) Math.min(content.length, from + u.partialLength());
                content = java.util.Arrays.copyOfRange(content, from, to);
            }
            return Optional.of(new Fetched(u, message, section, content));
        } catch (IllegalArgumentException | StoreException.NotFound | IOException e) {
            return Optional.empty();
        }
    }

    /**
     * A URL's content and where it comes from.
     *
     * @param section null for the whole message
     * @param content the octets the URL names (its section, its partial range)
     */
    public record Fetched(ImapUrl url, MimePart message, Section section, byte[] content) { }

    private static boolean validAccess(String access) {
        String a = access.toLowerCase(Locale.ROOT);
        return a.equals("anonymous") || a.equals("authuser")
                || (a.startsWith("user+") && a.length() > 5) || (a.startsWith("submit+") && a.length() > 7);
    }

    /** RFC 4467 3: who may use a URL with this access identifier. */
    static boolean permits(String access, EmailAddress requester, boolean submission) {
        String a = access.toLowerCase(Locale.ROOT);
        if (a.equals("anonymous")) return true;
        if (requester == null) return false;
        if (a.equals("authuser")) return true;
        if (a.startsWith("user+")) return sameUser(access.substring(5), requester);
        if (a.startsWith("submit+")) return submission && sameUser(access.substring(7), requester);
        return false;
    }

    private static boolean sameUser(String user, EmailAddress address) {
        return user.equalsIgnoreCase(address.toString());
    }

    private static String mailboxName(String name) {
        if (name.equalsIgnoreCase("INBOX")) return "INBOX";
        if (name.length() >= 6 && name.substring(0, 6).equalsIgnoreCase("INBOX/")) return "INBOX" + name.substring(5);
        return name;
    }

    private static Optional<Instant> expiry(String text) {
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private byte[] key(long accountId, long mailboxId, boolean create) {
        String scope = scope(accountId);
        String name = "m" + mailboxId;
        Optional<StoredRecord> r = records.record(KIND, scope, name);
        if (r.isPresent()) return r.get().value();
        if (!create) return null;
        // Two GENURLAUTHs at once: the first key written wins, the other reads it.
        Optional<StoredRecord> made = records.putRecordIf(KIND, scope, name, 0, newKey(), 0);
        return made.map(StoredRecord::value).orElseGet(() -> records.record(KIND, scope, name).orElseThrow().value());
    }

    private static byte[] newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    private static String scope(long accountId) {
        return "account:" + accountId;
    }

    /** RFC 4467 2.4.1 INTERNAL, as this server makes it: HMAC-SHA256 of the rump URL, hex. */
    static String token(byte[] key, String rump) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(rump.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
