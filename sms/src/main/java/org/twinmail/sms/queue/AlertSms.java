package org.twinmail.sms.queue;

import java.time.Duration;
import java.util.List;
import org.twinmail.store.Records;

/**
 * The console's alerts by SMS ({@code console.alertSmsTo}, docs/console.md): each new alert is
 * queued once per number as an item of purpose {@code ALERT} in the SMS queue, which the active
 * node's worker sends through the first available gateway like any other SMS (retries, expiry,
 * receipts). The key names the alert, its start and the number, so a takeover that checks the same
 * alert again queues nothing twice.
 */
public final class AlertSms {
    /** An alert's text is cut to this many characters (one or two SMS parts). */
    static final int MAX_TEXT = 140;

    private AlertSms() {}

    /** Queues the alert for {@code phone}; false when it was queued already. */
    public static boolean enqueue(Records records, String phone, String name, String since, String text, long nowMillis, Duration expireAfter) {
        String t = text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT - 1) + "…";
        SmsItem item = new SmsItem(SmsItem.Purpose.ALERT, phone, t, null, "en", "UTC", "", SmsItem.State.QUEUED, nowMillis, nowMillis, 0,
                nowMillis + expireAfter.toMillis(), "", List.of(), 0, "");
        return new SmsQueue(records).enqueue(new SmsQueue.Key("", "alert:" + name + ":" + since + ":" + phone), item);
    }
}
