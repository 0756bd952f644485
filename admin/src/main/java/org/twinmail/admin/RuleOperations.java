package org.twinmail.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.admin.AdminOperations.RuleInfo;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.net.AddressRange;
import org.twinmail.core.policy.OutboundHoldRecord;
import org.twinmail.core.policy.PolicyRecords;
import org.twinmail.core.policy.PolicyRecords.IpAction;
import org.twinmail.core.policy.PolicyRecords.RuleValue;
import org.twinmail.core.policy.PolicyRecords.SenderAction;
import org.twinmail.core.policy.SenderPattern;
import org.twinmail.store.Directory;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The rule half of {@link AdminService}: validates what the operator wrote and stores it in
 * the {@link Records} role in the format of {@link PolicyRecords}; the filter's cache sees the
 * change through the change log. Scopes the operator writes as a domain or a user's address
 * are stored as {@code domain:<d>} / {@code account:<id>}, so a user's rules go with the user.
 */
final class RuleOperations {
    static final int MAX_COMMENT = 200;

    private final Directory directory;
    private final Records records;

    RuleOperations(Directory directory, Records records) {
        this.directory = directory;
        this.records = records;
    }

    List<RuleInfo> list() {
        return AdminService.call(() -> {
            long now = System.currentTimeMillis();
            List<RuleInfo> out = new ArrayList<>();
            for (StoredRecord r : records.records(PolicyRecords.IP_RULE)) out.add(info("ip", r, "", now));
            for (StoredRecord r : records.records(PolicyRecords.SENDER_RULE)) out.add(info("sender", r, shownScope(r.scope()), now));
            return out;
        }, e -> null);
    }

    RuleInfo addIp(String range, String action, String comment, Instant expires) {
        AddressRange r = range(range);
        IpAction a = parse(IpAction.class, action);
        byte[] value = new RuleValue(PolicyRecords.name(a), comment(comment)).encode();
        long until = expiry(expires);
        return AdminService.call(() -> info("ip", records.putRecord(PolicyRecords.IP_RULE, "", r.canonical(), value, until), "",
                System.currentTimeMillis()), e -> null);
    }

    void removeIp(String range) {
        String name = range(range).canonical();
        AdminService.run(() -> {
            if (!records.deleteRecord(PolicyRecords.IP_RULE, "", name)) throw AdminService.notFound("no IP rule for " + name);
        }, e -> null);
    }

    RuleInfo addSender(String pattern, String action, String scope, String comment, Instant expires) {
        SenderPattern p = pattern(pattern);
        SenderAction a = parse(SenderAction.class, action);
        byte[] value = new RuleValue(PolicyRecords.name(a), comment(comment)).encode();
        long until = expiry(expires);
        return AdminService.call(() -> {
            String stored = storedScope(scope);
            return info("sender", records.putRecord(PolicyRecords.SENDER_RULE, stored, p.text(), value, until), shownScope(stored),
                    System.currentTimeMillis());
        }, e -> null);
    }

    void removeSender(String pattern, String scope) {
        SenderPattern p = pattern(pattern);
        AdminService.run(() -> {
            String stored = storedScope(scope);
            if (!records.deleteRecord(PolicyRecords.SENDER_RULE, stored, p.text())) {
                throw AdminService.notFound("no sender rule " + p.text() + (stored.isEmpty() ? "" : " for " + shownScope(stored)));
            }
        }, e -> null);
    }

    // ---- bans (kind ban.ip; the running server's guard follows them through the change log) ----

    List<AdminOperations.OutboundHoldInfo> outboundHolds() {
        return AdminService.call(() -> {
            List<AdminOperations.OutboundHoldInfo> out = new ArrayList<>();
            for (StoredRecord r : records.records(OutboundHoldRecord.KIND)) {
                if (!r.name().equals(OutboundHoldRecord.NAME)) continue;
                try {
                    OutboundHoldRecord h = OutboundHoldRecord.decode(r.value());
                    out.add(new AdminOperations.OutboundHoldInfo(h.address(), h.reason(), h.detail(),
                            Instant.ofEpochMilli(h.sinceMillis()).toString()));
                } catch (IllegalArgumentException e) {
                    // an unreadable record is shown by its scope
                    out.add(new AdminOperations.OutboundHoldInfo(r.scope(), "?", e.getMessage(), Instant.ofEpochMilli(r.updatedMillis()).toString()));
                }
            }
            out.sort(java.util.Comparator.comparing(AdminOperations.OutboundHoldInfo::since));
            return out;
        }, e -> null);
    }

    void releaseOutboundHold(String address) {
        org.twinmail.core.mail.EmailAddress a;
        try {
            a = org.twinmail.core.mail.EmailAddress.parse(address.strip());
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid(AdminService.oneLine(e.getMessage()));
        }
        AdminService.run(() -> {
            var account = directory.findAccount(a).orElseThrow(() -> AdminService.notFound("no account " + a));
            if (!records.deleteRecord(OutboundHoldRecord.KIND, Records.accountScope(account.id()), OutboundHoldRecord.NAME)) {
                throw AdminService.notFound("the outbound mail of " + a + " is not held");
            }
        }, e -> null);
    }

    List<AdminOperations.BanInfo> bans() {
        return AdminService.call(() -> {
            long now = System.currentTimeMillis();
            List<AdminOperations.BanInfo> out = new ArrayList<>();
            for (StoredRecord r : records.records(PolicyRecords.BAN, "")) {
                if (r.expiresMillis() != 0 && r.expiresMillis() <= now) continue;
                out.add(ban(r));
            }
            out.sort(java.util.Comparator.comparing((AdminOperations.BanInfo b) -> b.until() == null ? "~" : b.until()).reversed());
            return out;
        }, e -> null);
    }

    AdminOperations.BanInfo addBan(String client, Instant until, String reason) {
        String key;
        try {
            key = PolicyRecords.banKey(client);
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid(AdminService.oneLine(e.getMessage()));
        }
        long expires = expiry(until);
        byte[] value = new PolicyRecords.BanValue(0, comment(reason == null || reason.isBlank() ? "by the administrator" : reason)).encode();
        return AdminService.call(() -> ban(records.putRecord(PolicyRecords.BAN, "", key, value, expires)), e -> null);
    }

    void removeBan(String client) {
        String key;
        try {
            key = PolicyRecords.banKey(client);
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid(AdminService.oneLine(e.getMessage()));
        }
        AdminService.run(() -> {
            java.util.Optional<StoredRecord> r = records.record(PolicyRecords.BAN, "", key);
            boolean inForce = r.isPresent() && (r.get().expiresMillis() == 0 || r.get().expiresMillis() > System.currentTimeMillis());
            if (r.isPresent()) records.deleteRecord(PolicyRecords.BAN, "", key);
            if (!inForce) throw AdminService.notFound("no ban of " + key + " in force");
        }, e -> null);
    }

    private static AdminOperations.BanInfo ban(StoredRecord r) {
        PolicyRecords.BanValue v = PolicyRecords.BanValue.decode(r.value());
        return new AdminOperations.BanInfo(r.name(), r.expiresMillis() == 0 ? null : Instant.ofEpochMilli(r.expiresMillis()).toString(),
                v.level(), v.reason());
    }

    /** "" global; a domain (which must be ours); a user's address (whose account must exist). */
    private String storedScope(String scope) {
        if (scope == null || scope.isBlank()) return "";
        String s = scope.strip();
        if (s.indexOf('@') < 0) {
            String domain = AdminService.domainName(s);
            if (directory.findDomain(domain).isEmpty()) throw AdminService.notFound(AdminService.noDomain(domain));
            return Records.domainScope(domain);
        }
        EmailAddress user;
        try {
            user = EmailAddress.parse(s);
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid("not a domain or a user's address: " + Printable.of(s));
        }
        Account account = directory.findAccount(user).orElseThrow(() -> AdminService.notFound(AdminService.noAccount(user)));
        return Records.accountScope(account.id());
    }

    private String shownScope(String stored) {
        if (stored.isEmpty()) return "";
        if (stored.startsWith("domain:")) return stored.substring("domain:".length());
        if (stored.startsWith("account:")) {
            try {
                long id = Long.parseLong(stored.substring("account:".length()));
                return directory.findAccount(id).map(a -> a.address().toString()).orElse(stored);
            } catch (NumberFormatException e) {
                return stored;
            }
        }
        return stored;
    }

    private static RuleInfo info(String type, StoredRecord r, String scope, long now) {
        RuleValue v = RuleValue.decode(r.value());
        return new RuleInfo(type, r.name(), v.action(), scope, v.comment(),
                r.expiresMillis() == 0 ? null : Instant.ofEpochMilli(r.expiresMillis()).toString(),
                r.expiresMillis() != 0 && r.expiresMillis() <= now);
    }

    private static AddressRange range(String text) {
        try {
            return AddressRange.parse(text);
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid(AdminService.oneLine(e.getMessage()));
        }
    }

    private static SenderPattern pattern(String text) {
        try {
            return SenderPattern.parse(text);
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid(AdminService.oneLine(e.getMessage()));
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String action) {
        try {
            return PolicyRecords.action(type, action);
        } catch (IllegalArgumentException e) {
            throw AdminService.invalid(e.getMessage());
        }
    }

    private static String comment(String comment) {
        if (comment == null) return "";
        String c = comment.strip();
        if (c.length() > MAX_COMMENT) throw AdminService.invalid("a comment has at most " + MAX_COMMENT + " characters");
        for (int i = 0; i < c.length(); i++) if (c.charAt(i) < 0x20) throw AdminService.invalid("a comment is one line of text");
        return c;
    }

    private static long expiry(Instant expires) {
        if (expires == null) return 0;
        if (!expires.isAfter(Instant.now())) throw AdminService.invalid("the expiry " + expires + " has already passed");
        return expires.toEpochMilli();
    }
}
