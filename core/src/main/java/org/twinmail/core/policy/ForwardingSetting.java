package org.twinmail.core.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.twinmail.core.mail.EmailAddress;

/**
 * An account's forwarding, as a record of the store's {@code Records} role: kind {@value #KIND},
 * scope the account, name {@value #NAME}, value {@code {"to":["a@x.example",...],"keepCopy":true}}.
 * Written by the admin operations (CLI, REST, the webmail later), read at delivery by
 * {@code filter}'s Sieve check, which sends the copies with SRS; so the format lives here, where
 * both reach it. No record: no forwarding.
 *
 * @param to       where copies go (remote or local addresses), at least one
 * @param keepCopy whether the account keeps the message too (its own Sieve script then runs on it)
 */
public record ForwardingSetting(List<EmailAddress> to, boolean keepCopy) {
    public static final String KIND = "account.forward";
    public static final String NAME = "forward";
    /** Addresses one account may forward to. */
    public static final int MAX_TARGETS = 16;

    private static final ObjectMapper JSON = new ObjectMapper();

    public ForwardingSetting {
        to = List.copyOf(new LinkedHashSet<>(to));
        if (to.isEmpty()) throw new IllegalArgumentException("forwarding needs at least one address");
        if (to.size() > MAX_TARGETS) throw new IllegalArgumentException("at most " + MAX_TARGETS + " forwarding addresses");
    }

    /** Parses the operator's addresses; IllegalArgumentException names a bad one. */
    public static ForwardingSetting of(List<String> to, boolean keepCopy) {
        List<EmailAddress> parsed = new ArrayList<>();
        for (String t : to) parsed.add(EmailAddress.parse(t));
        return new ForwardingSetting(parsed, keepCopy);
    }

    public byte[] encode() {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("to").addAll(to.stream().map(a -> (JsonNode) JSON.getNodeFactory().textNode(a.toString())).toList());
        n.put("keepCopy", keepCopy);
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException for a value that is not one */
    public static ForwardingSetting decode(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            List<String> to = new ArrayList<>();
            for (JsonNode t : n.path("to")) to.add(t.asText());
            return of(to, n.path("keepCopy").asBoolean(true));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a forwarding value: " + e.getMessage(), e);
        }
    }
}
