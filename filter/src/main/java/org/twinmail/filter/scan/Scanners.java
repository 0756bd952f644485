package org.twinmail.filter.scan;

import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.filter.Chain;
import org.twinmail.filter.Check;

/** The content scanners the configuration enables, last at DATA (after the cheap checks, which may refuse first). */
public final class Scanners {
    private Scanners() {
    }

    /** clamd on both chains; spamd and rspamd on the MX only ({@code spam}), as our users' own mail is not scored. */
    public static Chain.Builder addTo(Chain.Builder chain, TwinmailConfig.Filter filter, boolean spam) {
        return addTo(chain, filter, spam, null);
    }

    /** The same with {@code between} (an allow-list; null for none) after the virus scan and before the spam scanners. */
    public static Chain.Builder addTo(Chain.Builder chain, TwinmailConfig.Filter filter, boolean spam, Check between) {
        return addTo(chain, filter, spam, between, null);
    }

    /**
     * The same with the built-in content score {@code content} (null for none) after
     * {@code between} and before the external spam scanners, which cost more.
     */
    public static Chain.Builder addTo(Chain.Builder chain, TwinmailConfig.Filter filter, boolean spam, Check between, Check content) {
        ClamAv clamav = ClamAv.of(filter.clamav);
        if (clamav != null) chain.add(clamav);
        if (between != null) chain.add(between);
        if (!spam) return chain;
        if (content != null) chain.add(content);
        SpamScan spamd = SpamScan.spamd(filter.spamd);
        if (spamd != null) chain.add(spamd);
        SpamScan rspamd = SpamScan.rspamd(filter.rspamd);
        if (rspamd != null) chain.add(rspamd);
        return chain;
    }
}
