package org.twinmail.smtp;

import java.nio.file.Path;
import org.twinmail.core.config.TwinmailConfig;

/**
 * {@link SpamScannerEndToEndTest} against a real rspamd (Debian rspamd, its normal worker alone,
 * DNS pointed at a closed port so it runs offline).
 */
class RspamdEndToEndTest extends SpamScannerEndToEndTest {
    @Override
    String check() {
        return "rspamd";
    }

    @Override
    ScanDaemons.Daemon startDaemon(Path dir) throws Exception {
        return ScanDaemons.rspamd(dir);
    }

    @Override
    TwinmailConfig.SpamScanner settings(TwinmailConfig c) {
        return c.filter.rspamd;
    }
}
