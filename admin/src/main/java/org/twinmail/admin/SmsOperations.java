package org.twinmail.admin;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.twinmail.admin.AdminOperations.SmsChange;
import org.twinmail.admin.AdminOperations.SmsInfo;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.Printable;
import org.twinmail.core.model.Account;
import org.twinmail.core.sms.SmsRecords;
import org.twinmail.core.sms.SmsSettings;
import org.twinmail.store.Directory;
import org.twinmail.store.Records;
import org.twinmail.store.StoredRecord;

/**
 * The SMS half of {@link AdminService}: a user's settings as the record
 * {@value SmsRecords#SETTINGS} (format {@link SmsSettings}), written compare-and-set so a
 * verification and a change made at the same time both count. The code itself is made and sent
 * by the active node's SMS worker when it sees an unverified number without a pending code; this
 * side only checks what the operator types against its hash.
 */
final class SmsOperations {
    private final Directory directory;
    private final Records records;

    SmsOperations(Directory directory, Records records) {
        this.directory = directory;
        this.records = records;
    }

    SmsInfo show(String user) {
        Account a = account(user);
        return AdminService.call(() -> info(a, settings(a).map(r -> SmsSettings.decode(r.value())).orElse(SmsSettings.none())), e -> null);
    }

    SmsInfo set(String user, SmsChange c) {
        Account a = account(user);
        return update(a, s -> {
            String phone = s.phone();
            if (c.phone() != null) {
                try {
                    phone = SmsSettings.checkPhone(c.phone());
                } catch (IllegalArgumentException e) {
                    throw AdminService.invalid(e.getMessage());
                }
            }
            LocalTime from = s.quietFrom();
            LocalTime to = s.quietTo();
            if (c.quietHours() != null) {
                LocalTime[] q = quietHours(c.quietHours());
                from = q == null ? null : q[0];
                to = q == null ? null : q[1];
            }
            SmsSettings.Trigger trigger = s.trigger();
            if (c.trigger() != null) {
                try {
                    trigger = SmsSettings.Trigger.parse(c.trigger());
                } catch (IllegalArgumentException e) {
                    throw AdminService.invalid(e.getMessage());
                }
            }
            List<String> senders = c.senders() == null ? s.senders()
                    : c.senders().stream().map(x -> x.strip().toLowerCase(Locale.ROOT)).filter(x -> !x.isEmpty()).distinct().toList();
            String alias = c.alias() == null ? s.alias() : c.alias().isBlank() ? "" : AdminService.address(c.alias()).toString();
            return new SmsSettings(phone, s.verifiedPhone(), c.enabled() == null ? s.enabled() : c.enabled(), trigger, senders, alias,
                    from, to, c.zone() == null ? s.zone() : c.zone().strip(), c.dailyCap() == null ? s.dailyCap() : c.dailyCap(),
                    c.language() == null ? s.language() : c.language().strip().toLowerCase(Locale.ROOT));
        });
    }

    SmsInfo verify(String user, String code) {
        Account a = account(user);
        if (code == null || code.isBlank()) throw AdminService.invalid("no code given");
        String scope = SmsRecords.scope(a.id());
        return AdminService.call(() -> {
            SmsSettings s = settings(a).map(r -> SmsSettings.decode(r.value())).orElse(SmsSettings.none());
            if (s.phone().isEmpty()) throw AdminService.invalid("no phone number is set for " + a.address());
            if (s.verified()) return info(a, s);
            Optional<StoredRecord> v = records.record(SmsRecords.VERIFY, scope, SmsRecords.NAME);
            long now = System.currentTimeMillis();
            if (v.isEmpty() || (v.get().expiresMillis() != 0 && v.get().expiresMillis() <= now)) {
                throw AdminService.invalid("no code is pending for " + s.phone() + " (send-code sends a new one)");
            }
            SmsRecords.Verification ver = SmsRecords.Verification.decode(v.get().value());
            if (!ver.phone().equals(s.phone())) throw AdminService.invalid("the pending code was sent to another number (send-code sends a new one)");
            if (ver.attempts() >= SmsRecords.MAX_ATTEMPTS) throw AdminService.invalid("too many wrong codes (send-code sends a new one)");
            if (!ver.matches(a.id(), code)) {
                records.putRecordIf(SmsRecords.VERIFY, scope, SmsRecords.NAME, v.get().version(),
                        new SmsRecords.Verification(ver.phone(), ver.hash(), ver.attempts() + 1).encode(), v.get().expiresMillis());
                throw AdminService.invalid("wrong code");
            }
            SmsInfo done = update(a, x -> x.phone().equals(ver.phone())
                    ? new SmsSettings(x.phone(), x.phone(), x.enabled(), x.trigger(), x.senders(), x.alias(), x.quietFrom(), x.quietTo(),
                            x.zone(), x.dailyCap(), x.language())
                    : x);
            records.deleteRecord(SmsRecords.VERIFY, scope, SmsRecords.NAME);
            return done;
        }, e -> null);
    }

    SmsInfo resendCode(String user) {
        Account a = account(user);
        return AdminService.call(() -> {
            SmsSettings s = settings(a).map(r -> SmsSettings.decode(r.value())).orElse(SmsSettings.none());
            if (s.phone().isEmpty()) throw AdminService.invalid("no phone number is set for " + a.address());
            if (s.verified()) throw AdminService.invalid(s.phone() + " is verified already");
            records.deleteRecord(SmsRecords.VERIFY, SmsRecords.scope(a.id()), SmsRecords.NAME);
            return info(a, s);
        }, e -> null);
    }

    private SmsInfo update(Account a, java.util.function.UnaryOperator<SmsSettings> change) {
        String scope = SmsRecords.scope(a.id());
        return AdminService.call(() -> {
            for (int attempt = 0; attempt < 10; attempt++) {
                Optional<StoredRecord> r = records.record(SmsRecords.SETTINGS, scope, SmsRecords.NAME);
                SmsSettings next = change.apply(r.map(x -> SmsSettings.decode(x.value())).orElse(SmsSettings.none()));
                try {
                    next.checked();
                } catch (IllegalArgumentException e) {
                    throw AdminService.invalid(AdminService.oneLine(e.getMessage()));
                }
                if (records.putRecordIf(SmsRecords.SETTINGS, scope, SmsRecords.NAME, r.map(StoredRecord::version).orElse(0L), next.encode(), 0)
                        .isPresent()) {
                    return info(a, next);
                }
            }
            throw new AdminException(AdminException.Kind.CONFLICT, "the SMS settings of " + a.address() + " kept changing; try again");
        }, e -> null);
    }

    private Optional<StoredRecord> settings(Account a) {
        return records.record(SmsRecords.SETTINGS, SmsRecords.scope(a.id()), SmsRecords.NAME);
    }

    private SmsInfo info(Account a, SmsSettings s) {
        boolean pending = !s.phone().isEmpty() && !s.verified();
        return new SmsInfo(a.address().toString(), s.phone(), s.verified(), pending, s.enabled(), s.trigger().text(), s.senders(),
                s.alias(), s.quietFrom() == null ? "" : s.quietFrom() + "-" + s.quietTo(), s.zone(), s.dailyCap(), s.language());
    }

    private Account account(String user) {
        EmailAddress address = AdminService.address(user);
        return AdminService.call(() -> directory.findAccount(address).orElseThrow(() -> AdminService.notFound(AdminService.noAccount(address))),
                e -> null);
    }

    /** "HH:MM-HH:MM", or "" for none (null result). */
    static LocalTime[] quietHours(String text) {
        String t = text.strip();
        if (t.isEmpty() || t.equalsIgnoreCase("none")) return null;
        int dash = t.indexOf('-');
        try {
            if (dash < 0) throw new DateTimeParseException("", t, 0);
            LocalTime from = LocalTime.parse(t.substring(0, dash).strip());
            LocalTime to = LocalTime.parse(t.substring(dash + 1).strip());
            if (from.equals(to)) throw AdminService.invalid("quiet hours must not start and end at the same time");
            return new LocalTime[] {from, to};
        } catch (DateTimeParseException e) {
            throw AdminService.invalid("quiet hours must be HH:MM-HH:MM (22:00-07:00), not " + Printable.of(text));
        }
    }
}
