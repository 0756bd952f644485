package org.twinmail.smtp;

import java.nio.file.Path;
import org.twinmail.core.config.TwinmailConfig;

/** {@link SpamScannerEndToEndTest} against a real spamd (Debian spamd, SpamAssassin 4, offline with {@code -L}). */
class SpamdEndToEndTest extends SpamScannerEndToEndTest {
    @Override
    String check() {
        return "spamd";
    }

    @Override
    ScanDaemons.Daemon startDaemon(Path dir) throws Exception {
        return ScanDaemons.spamd(dir);
    }

    @Override
    TwinmailConfig.SpamScanner settings(TwinmailConfig c) {
        return c.filter.spamd;
    }
}
