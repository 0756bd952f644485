package org.twinmail.sieve.run;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.twinmail.mail.header.HeaderField;
import org.twinmail.mail.mime.MimePart;

/** A {@link SieveMessage} over the bytes of a message, parsed by the mail library (headers decoded, parts by their charset). */
public final class MimeMessage implements SieveMessage {
    private final MimePart root;
    private final String envelopeFrom;
    private final String envelopeTo;
    private List<Field> fields;
    private List<Part> parts;

    private MimeMessage(byte[] data, String envelopeFrom, String envelopeTo) {
        this.root = MimePart.parse(data);
        this.envelopeFrom = envelopeFrom;
        this.envelopeTo = envelopeTo;
    }

    /** @param envelopeFrom the reverse-path without brackets, "" for the null sender */
    public static MimeMessage of(byte[] data, String envelopeFrom, String envelopeTo) {
        return new MimeMessage(data, envelopeFrom, envelopeTo);
    }

    @Override
    public List<Field> fields() {
        if (fields == null) {
            List<Field> out = new ArrayList<>();
            for (HeaderField f : root.fields()) out.add(new Field(f.name(), f.decoded()));
            fields = List.copyOf(out);
        }
        return fields;
    }

    @Override
    public String envelopeFrom() {
        return envelopeFrom;
    }

    @Override
    public String envelopeTo() {
        return envelopeTo;
    }

    @Override
    public long size() {
        return root.data().length;
    }

    @Override
    public String rawBody() {
        byte[] d = root.data();
        return new String(d, root.bodyStart(), root.end() - root.bodyStart(), StandardCharsets.ISO_8859_1);
    }

    @Override
    public List<Part> parts() {
        if (parts == null) {
            List<Part> out = new ArrayList<>();
            for (MimePart p : root.leaves()) {
                String type = (p.type() + "/" + p.subtype()).toLowerCase(Locale.ROOT);
                out.add(new Part(type, type.startsWith("text/") ? p.text() : ""));
            }
            parts = List.copyOf(out);
        }
        return parts;
    }
}
