package org.twinmail.sms.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.twinmail.sms.encoding.SmsText;
import org.twinmail.sms.gateway.SmsGateway;

/** A gateway the queue tests steer: up or down, refusing or going silent on the next submits; it records what it took. */
final class TestGateway implements SmsGateway {
    record Taken(String phone, String extension, String text, int part, byte[] octets, String messageId) { }

    final String name;
    final boolean extension;
    volatile boolean up = true;
    volatile int refuseNext;
    volatile boolean permanent;
    volatile int silentNext;
    final List<Taken> taken = new ArrayList<>();
    Consumer<Inbound> inbound;
    private int ids;

    TestGateway(String name, boolean extension) {
        this.name = name;
        this.extension = extension;
    }

    public String name() {
        return name;
    }

    public boolean available() {
        return up;
    }

    public boolean sourceExtension() {
        return extension;
    }

    public synchronized String submit(String smsId, String phone, String ext, SmsText text, int part) throws SubmitException {
        if (refuseNext > 0) {
            refuseNext--;
            throw new SubmitException.Refused("ESME_RTHROTTLED", permanent);
        }
        if (silentNext > 0) {
            silentNext--;
            throw new SubmitException.InDoubt("no answer in 10 s");
        }
        String id = name + "-" + (++ids);
        taken.add(new Taken(phone, ext, text.text(), part, text.parts().get(part), id));
        return id;
    }

    public void onInbound(Consumer<Inbound> listener) {
        this.inbound = listener;
    }

    public void close() { }
}
