package org.twinmail.admin;

import java.util.List;

/**
 * What an administrator can do to the server's data. Two implementations share it:
 * {@link AdminService} works on an open store (the running server, or the CLI on a
 * stopped node) and {@link AdminClient} sends the same calls to a running server's
 * admin API. The CLI picks one and never cares which.
 *
 * <p>Every method validates its input and fails with {@link AdminException}, whose
 * message is one line fit to show the operator ("domain example.org does not exist").
 * Sizes are bytes; 0 means unlimited (quotas, message counts) or the server's limit (message size).
 */
public interface AdminOperations {

    DomainInfo addDomain(String name);

    void removeDomain(String name, boolean force);

    List<DomainInfo> listDomains();

    /**
     * Where mail for {@code postmaster@domain} goes: it is accepted for every local domain (RFC
     * 5321 4.5.1), alias or not; without one it goes to {@code smtp.postmaster}, else to the
     * domain's first account.
     */
    PostmasterInfo postmaster(String domain);

    DomainInfo setDomainQuota(String name, long quotaBytes);

    /** Sets the limit on the number of messages in all the domain's accounts (IMAP QUOTA's MESSAGE resource). */
    DomainInfo setDomainMessageLimit(String name, long maxMessages);

    /** Creates an account; the password is hashed here (Argon2id) and never stored or logged in clear. */
    UserInfo addUser(String address, char[] password, long quotaBytes, long maxMessageBytes);

    /** Changes the non-null fields; {@code maxMessages} limits the number of messages in the account. */
    UserInfo updateUser(String address, char[] password, Long quotaBytes, Long maxMessageBytes, Long maxMessages);

    /** Changes the non-null fields, leaving the message-count limit as it is. */
    default UserInfo updateUser(String address, char[] password, Long quotaBytes, Long maxMessageBytes) {
        return updateUser(address, password, quotaBytes, maxMessageBytes, null);
    }

    void removeUser(String address);

    // ---- an account's logins (issue 15): enable/disable, app passwords ----

    /**
     * Disables an account (no login on any protocol, the webmail included; mail to an address that
     * leads only to disabled accounts refused at RCPT with 550 5.2.1; its mail kept) or enables it
     * again. Sessions already open go on until they end.
     */
    default UserInfo setUserEnabled(String address, boolean enabled) {
        throw noLogins();
    }

    /** The account's app passwords (names and when they were made; the passwords are never shown again). */
    default List<AppPasswordInfo> appPasswords(String address) {
        throw noLogins();
    }

    /**
     * Makes an app password for the account: 16 random letters, returned once, kept only as a digest;
     * it logs in as the account's password does on IMAP, POP3, SMTP AUTH, ManageSieve and JMAP Basic,
     * beside the password, until revoked. {@code name} (1 to 64 printable characters) says what it is for;
     * CONFLICT when the account has one of that name, INVALID past 20.
     */
    default AppPasswordCreated addAppPassword(String address, String name) {
        throw noLogins();
    }

    /** Revokes an app password (NOT_FOUND when the account has none of that name). */
    default void removeAppPassword(String address, String name) {
        throw noLogins();
    }

    // ---- bulk import and export of accounts as CSV (issue 15; AccountsCsv has the format) ----

    /** The accounts of {@code domain} (null: all) as CSV, with a header line; no passwords. */
    default String exportUsers(String domain) {
        return AccountsCsv.format(listUsers(domain));
    }

    /**
     * Creates or changes the accounts of a CSV file ({@link AccountsCsv}), row by row: a row that
     * fails (a bad value, an unknown domain, a new account without a password, an address outside
     * {@code domain} when it is given) is reported with its line and reason and the others go on.
     * INVALID for a file that cannot be read at all (no or a bad header line, too many rows).
     */
    default ImportResult importUsers(String csv, String domain) {
        AccountsCsv.Parsed parsed = AccountsCsv.parse(csv);
        String only = domain == null || domain.isBlank() ? null : AdminService.normalDomain(domain);
        List<ImportRow> rows = new java.util.ArrayList<>();
        for (AccountsCsv.RowError e : parsed.errors()) rows.add(new ImportRow(e.line(), e.address(), "error", e.error()));
        for (AccountsCsv.Row r : parsed.rows()) {
            try {
                if (only != null) {
                    int at = r.address().lastIndexOf('@');
                    String d = at < 0 ? "" : AdminService.normalDomain(r.address().substring(at + 1));
                    if (!d.equals(only)) throw new AdminException(AdminException.Kind.FORBIDDEN, r.address() + " is not in " + only);
                }
                String outcome = "updated";
                UserInfo u;
                if (r.password() != null) {
                    try {
                        u = addUser(r.address(), r.password(), r.quota() == null ? 0 : r.quota(), r.maxMessage() == null ? 0 : r.maxMessage());
                        outcome = "created";
                        if (r.maxMessages() != null) u = updateUser(r.address(), null, null, null, r.maxMessages());
                    } catch (AdminException e) {
                        if (e.kind() != AdminException.Kind.CONFLICT) throw e;
                        u = updateUser(r.address(), r.password(), r.quota(), r.maxMessage(), r.maxMessages());
                    }
                } else {
                    try {
                        u = updateUser(r.address(), null, r.quota(), r.maxMessage(), r.maxMessages());
                    } catch (AdminException e) {
                        if (e.kind() != AdminException.Kind.NOT_FOUND || !e.getMessage().startsWith("account ")) throw e;
                        throw new AdminException(AdminException.Kind.INVALID, e.getMessage() + "; a new account needs a password");
                    }
                }
                if (r.enabled() != null && r.enabled() != u.enabled()) setUserEnabled(r.address(), r.enabled());
                rows.add(new ImportRow(r.line(), u.address(), outcome, null));
            } catch (AdminException e) {
                rows.add(new ImportRow(r.line(), r.address(), "error", e.getMessage()));
            } finally {
                if (r.password() != null) java.util.Arrays.fill(r.password(), '\0');
            }
        }
        rows.sort(java.util.Comparator.comparingInt(ImportRow::line));
        int created = (int) rows.stream().filter(x -> x.outcome().equals("created")).count();
        int updated = (int) rows.stream().filter(x -> x.outcome().equals("updated")).count();
        return new ImportResult(created, updated, rows.size() - created - updated, rows);
    }

    /** What an import did: counts, and every row with its line, outcome ({@code created}, {@code updated}, {@code error}) and error. */
    record ImportResult(int created, int updated, int failed, List<ImportRow> rows) { }

    record ImportRow(int line, String address, String outcome, String error) { }

    private static AdminException noLogins() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "account logins are not managed through this connection");
    }

    /** @param created ISO-8601 instant */
    record AppPasswordInfo(String name, String created) { }

    /** A new app password: {@code password} is shown this once ({@code abcd-efgh-ijkl-mnop}). */
    record AppPasswordCreated(String address, String name, String created, String password) { }

    /** Users of one domain, or all when {@code domain} is null. */
    List<UserInfo> listUsers(String domain);

    /** {@code source} is {@code user@domain} or {@code @domain} (catch-all). */
    AliasInfo addAlias(String source, List<String> targets);

    void removeAlias(String source);

    List<AliasInfo> listAliases(String domain);

    /** Queued outbound messages, oldest first, at most {@code limit}. */
    List<QueueInfo> listQueue(int limit);

    /**
     * Makes the waiting recipients of queued message {@code id} (0: of every queued message) due
     * now; returns how many. A recipient being delivered at this moment is left alone.
     */
    int retryQueue(long id);

    /** Removes queued message {@code id} and all its recipients; nobody is notified (no bounce). */
    void deleteQueued(long id);

    /**
     * Returns queued message {@code id} to its sender: the relay, at its next look at the queue
     * ({@code relay.pollInterval}), sends none of it and bounces every recipient still waiting with
     * status 5.0.0 and {@code reason} (null or blank: none given), in one DSN (RFC 3464) to the
     * envelope sender (none for a message with the null sender); returns the recipients made due.
     */
    default int bounceQueued(long id, String reason) {
        throw new AdminException(AdminException.Kind.UNAVAILABLE, "the queue is not managed through this connection");
    }

    // ---- the administrator's rules (issue 12): take effect at once, no restart ----

    /** Every IP rule, then every sender rule (global, per domain, per user), expired ones included. */
    default List<RuleInfo> listRules() {
        throw noRules();
    }

    /**
     * Adds (or replaces) the rule for an address or CIDR range ({@code 192.0.2.0/24},
     * {@code 2001:db8::/32}): {@code allow} (the connect checks after it are skipped) or
     * {@code deny} (554 5.7.1 at connect, SMTP and submission).
     *
     * @param expires when it stops applying; null = never
     */
    default RuleInfo addIpRule(String range, String action, String comment, java.time.Instant expires) {
        throw noRules();
    }

    default void removeIpRule(String range) {
        throw noRules();
    }

    /**
     * Adds (or replaces) a sender rule: {@code pattern} is an address, a domain or a wildcard
     * ({@code *@spam.example}, {@code *.example}); {@code action} accept, reject, quarantine,
     * junk or tag; {@code scope} null or "" (every recipient), a local domain, or a user's address.
     */
    default RuleInfo addSenderRule(String pattern, String action, String scope, String comment, java.time.Instant expires) {
        throw noRules();
    }

    default void removeSenderRule(String pattern, String scope) {
        throw noRules();
    }

    private static AdminException noRules() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "rules are not managed through this connection");
    }

    /**
     * A rule as the operator wrote it.
     *
     * @param type    {@code ip} or {@code sender}
     * @param match   the range, or the sender pattern in its normal form
     * @param scope   "" (global), a domain, or a user's address
     * @param expires ISO-8601 instant, or null for never
     * @param expired whether it has stopped applying
     */
    record RuleInfo(String type, String match, String action, String scope, String comment, String expires, boolean expired) { }

    // ---- an account's forwarding (issue 17): copies sent with SRS at delivery ----

    /** The user's forwarding: {@code to} empty when there is none. NOT_FOUND for an unknown user. */
    default ForwardingInfo forwarding(String address) {
        throw noForwarding();
    }

    /**
     * Forwards the user's mail to {@code to} (1 to 16 addresses, remote or local), keeping a copy
     * in the account or not; replaces the previous setting. Takes effect with the next message.
     */
    default ForwardingInfo setForwarding(String address, List<String> to, boolean keepCopy) {
        throw noForwarding();
    }

    /** Stops forwarding the user's mail (nothing happens when there was none). */
    default void removeForwarding(String address) {
        throw noForwarding();
    }

    private static AdminException noForwarding() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "forwarding is not managed through this connection");
    }

    /** A user's forwarding: where copies go ({@code to} empty: none) and whether the account keeps one. */
    record ForwardingInfo(String address, List<String> to, boolean keepCopy) { }

    // ---- an account's own spam level (issue 12): the content score's Junk and tag thresholds for it ----

    /** The user's spam level: off, lenient, normal (no choice made), strict, or a score. NOT_FOUND for an unknown user. */
    default SpamLevelInfo spamLevel(String address) {
        throw noSpamLevel();
    }

    /**
     * Sets the user's spam level ({@code off}, {@code lenient}, {@code normal}, {@code strict}, or
     * a number from 0 to 100: the score from which the user's mail goes to Junk); {@code normal}
     * removes the user's choice. Takes effect with the next message.
     */
    default SpamLevelInfo setSpamLevel(String address, String level) {
        throw noSpamLevel();
    }

    private static AdminException noSpamLevel() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "spam levels are not managed through this connection");
    }

    /** A user's spam level, as {@code setSpamLevel} reads it ({@code normal}: the administrator's thresholds). */
    record SpamLevelInfo(String address, String level) { }

    // ---- the administrator's global Sieve scripts (issue 17): before and after every user's script ----

    /** The global scripts, the "before" ones first, each phase in the order they run (by name). */
    default List<SieveScriptInfo> listSieveScripts() {
        throw noSieve();
    }

    /** One global script with its text. NOT_FOUND when there is none of that phase and name. */
    default SieveScriptInfo sieveScript(String phase, String name) {
        throw noSieve();
    }

    /**
     * Creates or replaces a global script of a phase ("before": ahead of every user's script;
     * "after": when the user's script kept the message). INVALID, with the line, when it does
     * not compile. Takes effect with the next message.
     */
    default SieveScriptInfo putSieveScript(String phase, String name, String script) {
        throw noSieve();
    }

    /** Removes a global script. NOT_FOUND when there is none. */
    default void removeSieveScript(String phase, String name) {
        throw noSieve();
    }

    private static AdminException noSieve() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "global Sieve scripts are not managed through this connection");
    }

    /** A global Sieve script: its phase ("before" or "after"), name, size in octets and text. */
    record SieveScriptInfo(String phase, String name, int size, String script) { }

    // ---- shared accounts and their access control lists (issue 11, RFC 4314) ----

    /** Whether the account is a shared account of its domain, and who has rights on which of its mailboxes. */
    default SharingInfo sharing(String address) {
        throw noSharing();
    }

    /**
     * Marks the account as a shared account of its domain ({@code sales@}: IMAP shows its mailboxes
     * under {@code #shared/}) or takes the mark away. Rights still come from {@link #grant}.
     */
    default SharingInfo setShared(String address, boolean shared) {
        throw noSharing();
    }

    /**
     * Gives {@code identifier} ({@code user@domain}, {@code anyone@domain}: every account of that
     * local domain, or {@code anyone}) exactly {@code rights} (RFC 4314 letters, {@code lrswipkxtea};
     * empty: none) on the account's mailbox {@code mailbox} (null or blank: INBOX). Takes effect
     * at the grantee's next command.
     */
    default SharingInfo grant(String address, String mailbox, String identifier, String rights) {
        throw noSharing();
    }

    /** Removes {@code identifier}'s entry from the mailbox's list (nothing happens when it had none). */
    default SharingInfo revoke(String address, String mailbox, String identifier) {
        throw noSharing();
    }

    private static AdminException noSharing() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "shared accounts are not managed through this connection");
    }

    /** An account's mark and the entries of its mailboxes' lists (the owner's own entry left out; mailboxes without one left out). */
    record SharingInfo(String address, boolean shared, List<MailboxGrants> mailboxes) { }

    /** One mailbox's list: identifiers (accounts by address) and their rights, by identifier. */
    record MailboxGrants(String mailbox, List<Grant> grants) { }

    record Grant(String identifier, String rights) { }

    // ---- bans of clients that failed to log in too often (issue 12) ----

    /** The bans in force (issued after failed logins, or added here), longest first. */
    default List<BanInfo> listBans() {
        throw noRules();
    }

    /**
     * Bans a client on every protocol (refused at connect, its logins fail without a password
     * check) until {@code until} (null: until removed). {@code client} is an address; an IPv6
     * address bans its /64.
     */
    default BanInfo addBan(String client, java.time.Instant until, String reason) {
        throw noRules();
    }

    /** Lifts a ban (NOT_FOUND when there is none in force). */
    default void removeBan(String client) {
        throw noRules();
    }

    /** @param until ISO-8601 instant, or null for a ban without end; @param level 0 for a first ban, 1 for a second in a row ... */
    record BanInfo(String client, String until, int level, String reason) { }

    // ---- SMS notices (issue 16; docs/sms.md) ----

    /** A user's SMS settings (off and without a phone when never set). */
    default SmsInfo smsSettings(String user) {
        throw noSms();
    }

    /**
     * Changes a user's SMS settings: each non-null field of {@code change} replaces the setting.
     * A new phone number is unverified until the code the node sends to it is confirmed with
     * {@link #verifySms}; no notice goes out before.
     */
    default SmsInfo setSms(String user, SmsChange change) {
        throw noSms();
    }

    /** Confirms the phone number with the code sent to it (INVALID for a wrong, stale or exhausted code). */
    default SmsInfo verifySms(String user, String code) {
        throw noSms();
    }

    /** Drops the pending code so the active node sends a new one to the unverified number. */
    default SmsInfo resendSmsCode(String user) {
        throw noSms();
    }

    private static AdminException noSms() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "SMS settings are not managed through this connection");
    }

    /**
     * What {@link #setSms} changes; null fields stay as they are.
     *
     * @param phone      E.164 ({@code +} and 7 to 15 digits); "" removes the number
     * @param trigger    all, senders, important or alias
     * @param senders    for trigger senders: addresses or domains
     * @param alias      for trigger alias: the address
     * @param quietHours {@code HH:MM-HH:MM} in the user's zone (may span midnight); "" for none
     * @param zone       an IANA time zone
     * @param dailyCap   notices per day at most; 0 for no cap
     * @param language   en or zh
     */
    record SmsChange(String phone, Boolean enabled, String trigger, List<String> senders, String alias, String quietHours,
                     String zone, Integer dailyCap, String language) { }

    /**
     * A user's SMS settings.
     *
     * @param verified    the phone number was confirmed with a code
     * @param codePending a code was sent (or is about to be) and awaits confirmation
     * @param quietHours  {@code HH:MM-HH:MM}, or "" for none
     */
    record SmsInfo(String user, String phone, boolean verified, boolean codePending, boolean enabled, String trigger,
                   List<String> senders, String alias, String quietHours, String zone, int dailyCap, String language) { }

    // ---- outbound anomaly holds (issue 12) ----

    /** Accounts whose outbound mail is held (a sudden rise in sending, or many bounces), oldest first. */
    default List<OutboundHoldInfo> listOutboundHolds() {
        throw noRules();
    }

    /**
     * Lifts the hold of {@code address}'s outbound mail (NOT_FOUND when there is none): its next
     * messages go out again. The messages held meanwhile stay in the quarantine (release or delete them there).
     */
    default void releaseOutboundHold(String address) {
        throw noRules();
    }

    /** @param reason {@code rate} or {@code bounces}; @param since ISO-8601 instant */
    record OutboundHoldInfo(String address, String reason, String detail, String since) { }

    // ---- the administrator's quarantine (issue 12) ----

    /** Messages held by a filter verdict (quarantine), oldest first. */
    default List<QuarantineInfo> listQuarantine() {
        throw noQuarantine();
    }

    /** One held message with its header section. */
    default QuarantinedMessage showQuarantined(String id) {
        throw noQuarantine();
    }

    /** Delivers a held message to its original local recipients (those that still exist) and removes it from the quarantine. */
    default QuarantineInfo releaseQuarantined(String id) {
        throw noQuarantine();
    }

    /** Removes a held message without delivering it. */
    default void deleteQuarantined(String id) {
        throw noQuarantine();
    }

    private static AdminException noQuarantine() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "the quarantine is not managed through this connection");
    }

    /**
     * A held message.
     *
     * @param id         the queue id the client was told ({@code queued as}), as in the session's log line
     * @param recipients the local recipients a release delivers to
     * @param arrived    ISO-8601 instant
     */
    record QuarantineInfo(String id, String arrived, String sender, String from, String subject, List<String> recipients, long size,
                          String reason, String check, String client) { }

    /** A held message and its header section (at most 64 KiB). */
    record QuarantinedMessage(QuarantineInfo message, String headers) { }

    /** A queued message; times are ISO-8601 instants. */
    record QueueInfo(long id, String sender, long size, String arrival, List<QueuedRecipientInfo> recipients) { }

    /** @param active a delivery attempt is under way; @param lastReply the last attempt's result, or null */
    record QueuedRecipientInfo(String address, int attempts, String nextAttempt, boolean active, String lastReply) { }

    /**
     * Reads the TLS certificate files again (also done when they change); the running server
     * serves new handshakes with them at once. Only a running server holds certificates.
     */
    default TlsInfo reloadTls() {
        throw new AdminException(AdminException.Kind.UNAVAILABLE,
                "no server is running on this data directory; certificates are read when it starts");
    }

    /**
     * Writes a consistent snapshot of the running node's store (database and the bodies it
     * references) into the backup directory {@code directory} (absolute, on the node's machine),
     * while it keeps serving. A second backup into the same directory adds a snapshot and copies
     * only new bodies. Restore is offline: {@code twinmail admin restore}.
     */
    default BackupInfo backup(String directory) {
        throw new AdminException(AdminException.Kind.UNAVAILABLE, "this node cannot back up its store");
    }

    /** What a backup wrote; {@code time} is ISO-8601: every change committed before it is in the snapshot. */
    record BackupInfo(String snapshot, String time, long changePosition, long messages, long blobFiles, long blobFilesCopied,
                      long bytesCopied, long millis) { }

    /** The certificates served after a reload: names, key type and expiry of each. */
    record TlsInfo(List<String> certificates) { }

    /**
     * Generates an RSA DKIM key for a served domain and stores it (mode 0600) where the signer
     * reads it. {@code selector} null means the one the domain signs with (its
     * {@code relay.dkim.domains} entry, else {@code relay.dkim.selector}). An existing key is
     * never replaced (CONFLICT): a new key goes under a new selector.
     */
    default DkimInfo generateDkimKey(String domain, String selector, int bits) {
        throw new AdminException(AdminException.Kind.UNAVAILABLE, "DKIM keys are not managed through this connection");
    }

    /** The key a served domain signs with, as its DNS record; NOT_FOUND when it has none. */
    default DkimInfo showDkimKey(String domain) {
        throw new AdminException(AdminException.Kind.UNAVAILABLE, "DKIM keys are not managed through this connection");
    }

    /** Whether mail for {@code domain} is served here (false for a name that is not a domain at all). */
    default boolean servesDomain(String domain) {
        throw new AdminException(AdminException.Kind.UNAVAILABLE, "domains are not known through this connection");
    }

    /**
     * The DNS records a served domain should publish (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, the
     * client SRV records and the autoconfiguration names), written from this node's settings;
     * NOT_FOUND for a domain not served here.
     */
    default DomainDnsInfo domainDns(String domain) {
        throw new AdminException(AdminException.Kind.UNAVAILABLE, "DNS records are not known through this connection");
    }

    /**
     * @param records what to publish
     * @param notes   what could not be written and why (one line each)
     */
    record DomainDnsInfo(String domain, List<DnsRecordInfo> records, List<String> notes) { }

    /**
     * One record: owner name (absolute, with the final dot), type, value as in a zone file, why it is
     * there, and the whole zone-file line. For DKIM only {@code type}, {@code purpose} and {@code zoneLine} are set.
     */
    record DnsRecordInfo(String name, String type, String value, String purpose, String zoneLine) { }

    /** The SMTP TLS reports (RFC 8460) other servers sent about our domains, newest period first. */
    default List<TlsReportInfo> listTlsReports() {
        throw new AdminException(AdminException.Kind.UNAVAILABLE, "TLS reports are not kept through this connection");
    }

    /**
     * Keeps a TLS report received at {@code /.well-known/tlsrpt} (its JSON, decompressed); INVALID when it
     * is not one or is about none of our domains. Not part of the REST API: the web endpoint calls it.
     */
    default TlsReportInfo receiveTlsReport(byte[] json) {
        throw new AdminException(AdminException.Kind.UNAVAILABLE, "TLS reports are not kept through this connection");
    }

    /** One TLS report: who sent it, the period it covers (ISO-8601 instants), when we got it, and its policies about our domains. */
    record TlsReportInfo(String organization, String reportId, String start, String end, String received, List<TlsPolicyInfo> policies) { }

    /** One policy of a report: sessions that succeeded and failed, and the first failure details. */
    record TlsPolicyInfo(String type, String domain, List<String> mxHosts, long successful, long failed, List<TlsFailureInfo> failures) { }

    /** RFC 8460 4.3: why sessions failed ({@code resultType} as {@code certificate-expired}, {@code sts-policy-fetch-error}, ...). */
    record TlsFailureInfo(String resultType, String sendingMtaIp, String receivingMx, long sessions, String reasonCode) { }

    /**
     * A DKIM key and the TXT record that publishes it.
     *
     * @param signing whether the domain signs with this selector now
     * @param record one zone-file line: {@code s._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=..." "..."}
     */
    record DkimInfo(String domain, String selector, String keyFile, int bits, boolean signing, String record) { }

    // ---- the pair (issue 15): each node's state and the planned switchover ----

    /**
     * This node's view of the pair: roles, epoch, lease, heartbeat channels with their last beat, the
     * last health-probe round, and the failover history (docs/console.md, "The pair"). A single node
     * answers with {@code mode} {@code single}. Served by every node of a pair, the standby too.
     */
    default ClusterInfo cluster() {
        throw noCluster();
    }

    /**
     * Planned switchover: the active node hands the service to the standby (asked on the standby, it
     * asks the active to). Waits until the service has moved (at most a minute) and says what happened;
     * CONFLICT when the pair cannot switch over now (no standby ready, a single node).
     */
    default SwitchoverInfo switchover() {
        throw noCluster();
    }

    private static AdminException noCluster() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "the pair's state is served by a running node");
    }

    /**
     * @param mode       {@code single} or {@code pair}
     * @param role       ACTIVE, STANDBY, CLAIMING, RELEASING or FENCED
     * @param peerRole   the peer's role from its lease slot (null: unknown)
     * @param vipHolder  who holds the virtual IP as far as the lease says
     * @param lastEvent  this node's last role change, in one line
     * @param failovers  takeovers of the service recorded in the store, newest first (they move with the data)
     * @param events     this node's own role changes since it started, newest first (handovers and self-fences too)
     */
    record ClusterInfo(String mode, String node, String role, long epoch, String peer, String peerRole, long peerEpoch,
                       LeaseInfo lease, List<HeartbeatInfo> heartbeats, ProbeInfo probes, String vip, String vipHolder,
                       boolean publicNetwork, List<String> pingTargets, String lastEvent, List<FailoverInfo> failovers,
                       List<FailoverInfo> events) { }

    /** @param ageMillis since this node's last lease write; @param peerAgeMillis since the peer's slot last changed; @param direct direct I/O */
    record LeaseInfo(long ageMillis, boolean direct, long peerAgeMillis, boolean peerAlive) { }

    /** One heartbeat channel: @param lastHeard ISO-8601 instant of the last beat from the peer, null: never */
    record HeartbeatInfo(String channel, String peer, boolean up, String lastHeard, long lastHeardMillis, long received, long sent,
                         boolean authenticated) { }

    /** The last health-probe round: @param lastRun ISO-8601 instant, null when none ran (a standby, a single node) */
    record ProbeInfo(String lastRun, boolean ok, List<String> failures, int failuresInARow, int allowed) { }

    /**
     * One change of role.
     *
     * @param time   ISO-8601 instant
     * @param kind   {@code takeover}, {@code handover}, {@code self-fence} or {@code abandoned}
     * @param millis a takeover's time from the decision to serving (else 0)
     */
    record FailoverInfo(String time, String node, String kind, long epoch, long millis, String reason) { }

    /** What a switchover did, in one line ("switched over: b is ACTIVE at epoch 2, a is STANDBY"). */
    record SwitchoverInfo(String result) { }

    // ---- administrators of the console, and the audit log (issue 15) ----

    /** The console's administrators, by name. */
    default List<AdminInfo> listAdmins() {
        throw noAdmins();
    }

    /**
     * Adds an administrator: {@code role} {@code global} (everything) or {@code domain} (only
     * {@code domains}, which must exist). The password (at least 10 characters) is hashed with
     * Argon2id; a new TOTP secret is made and returned once, with its {@code otpauth://} URI.
     */
    default AdminCreated addAdmin(String name, char[] password, String role, List<String> domains) {
        throw noAdmins();
    }

    /** Changes the non-null fields; {@code newTotp} replaces the TOTP secret (returned, as on creation). */
    default AdminCreated updateAdmin(String name, char[] password, String role, List<String> domains, Boolean enabled, boolean newTotp) {
        throw noAdmins();
    }

    default void removeAdmin(String name) {
        throw noAdmins();
    }

    /**
     * The audit log, newest first, at most {@code limit} entries, of the days since {@code since}
     * (an ISO date, null: all that is kept), narrowed to an {@code actor} and a {@code domain} when not null.
     */
    default List<AuditEntry> audit(int limit, String since, String actor, String domain) {
        throw noAdmins();
    }

    /** Writes one entry to the audit log (the admin API does, for every action it is asked for); not offered over HTTP. */
    default void recordAudit(AuditEntry entry) {
        throw noAdmins();
    }

    /**
     * Checks an administrator's console login (password and TOTP code, each code once); empty
     * for any failure. Not offered over HTTP: the console calls it on the node it runs on.
     */
    default java.util.Optional<AdminPrincipal> verifyAdmin(String name, char[] password, String totpCode) {
        throw noAdmins();
    }

    /** The administrator {@code name} as stored now (removed or disabled: empty), for a console session's every request. */
    default java.util.Optional<AdminPrincipal> currentAdmin(String name) {
        throw noAdmins();
    }

    // ---- traffic and runtime monitoring (issue 15) ----

    /**
     * The history of the node's traffic and runtime series (docs/console.md): {@code step}
     * {@code minute} (kept 48 h) or {@code hour} (kept 90 days), from {@code since} (ISO-8601
     * instant; null: the last hour of minutes, the last 7 days of hours), the series named in
     * {@code series} or starting with one of them followed by a dot (null or empty: all).
     */
    default List<TrafficPoint> traffic(String step, String since, List<String> series) {
        throw noAdmins();
    }

    /** The alerts in force (queue, rejections, disk, certificates, the pair), oldest first. */
    default List<AlertInfo> alerts() {
        throw noAdmins();
    }

    /**
     * The top senders or receivers of a UTC day (docs/console.md, "Top senders and receivers"):
     * the accounts of {@code domain} (null: of every domain) that sent ({@code kind} {@code senders}:
     * submission, JMAP, SMS replies) or received ({@code receivers}: local delivery) the most
     * messages on {@code day} ({@code yyyy-MM-dd}; null: today), most first, at most {@code limit}.
     */
    default TrafficTop trafficTop(String domain, String day, String kind, int limit) {
        throw noAdmins();
    }

    /** A day's top list: {@code day} as {@code yyyy-MM-dd}, {@code domain} null for every domain, {@code kind} senders or receivers. */
    record TrafficTop(String domain, String day, String kind, List<AccountCount> accounts) { }

    /** One account's messages and their bytes in a day; {@code (others)} sums the smallest accounts of a very large domain. */
    record AccountCount(String address, long messages, long bytes) { }

    /** One minute or hour: counters as increases in it, gauges as levels (an hour: their highest). */
    record TrafficPoint(String time, java.util.Map<String, Double> counters, java.util.Map<String, Double> gauges) { }

    /** @param since ISO-8601 instant */
    record AlertInfo(String name, String since, String message) { }

    private static AdminException noAdmins() {
        return new AdminException(AdminException.Kind.UNAVAILABLE, "administrators are not managed through this connection");
    }

    /** @param role {@code global} or {@code domain}; @param created ISO-8601 instant */
    record AdminInfo(String name, String role, List<String> domains, boolean enabled, String created) { }

    /** An administrator after a change, with the new TOTP secret and its otpauth URI when one was made (else null). */
    record AdminCreated(AdminInfo admin, String totpSecret, String totpUri) { }

    /**
     * One line of the audit log (docs/console.md, "The audit log").
     *
     * @param time    ISO-8601 instant
     * @param actor   the administrator's name ({@code api-token} for the bearer token, {@code cli} for the CLI on a stopped node)
     * @param via     {@code token}, {@code console} or {@code cli}
     * @param client  the client's IP address ({@code local} for the CLI)
     * @param action  {@code METHOD /api/admin/path} as requested, or {@code login} / {@code logout}
     * @param target  what it acted on (the created resource, else the path's object), or null
     * @param domain  the domain concerned, or null
     * @param status  the HTTP status of the answer (CLI: 200 done, else the error's status)
     * @param outcome {@code ok}, or the error message
     */
    record AuditEntry(String time, String actor, String via, String client, String action, String target, String domain, int status,
                      String outcome) {
        public AuditEntry withTime(String t) {
            return new AuditEntry(t, actor, via, client, action, target, domain, status, outcome);
        }
    }

    /**
     * @param via         {@code own} (an alias, account or catch-all of that name), {@code configured}
     *                    ({@code smtp.postmaster}), {@code first-account} or {@code nowhere} (no account yet)
     * @param accounts    the accounts it is delivered to
     * @param description one line for the operator
     */
    record PostmasterInfo(String address, String via, List<String> accounts, String description) { }

    record DomainInfo(String name, long quotaBytes, long usedBytes, long maxMessages, long messages) { }

    /** @param enabled false when the account is disabled: no login on any protocol, mail to it refused (550 5.2.1) */
    record UserInfo(String address, long quotaBytes, long maxMessageBytes, long usedBytes, long messages, long maxMessages, boolean enabled) {
        /** An enabled account. */
        public UserInfo(String address, long quotaBytes, long maxMessageBytes, long usedBytes, long messages, long maxMessages) {
            this(address, quotaBytes, maxMessageBytes, usedBytes, messages, maxMessages, true);
        }
    }

    record AliasInfo(String source, List<String> targets) { }
}
