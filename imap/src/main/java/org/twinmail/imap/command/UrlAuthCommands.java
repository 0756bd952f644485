package org.twinmail.imap.command;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.imap.mime.BodyStructure;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.imap.protocol.Strings;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.store.access.UrlAuthorizer;

/**
 * URLAUTH (RFC 4467) and URLAUTH=BINARY (RFC 5524): GENURLAUTH, RESETKEY and URLFETCH. The
 * rules (keys, tokens, access identifiers, what a URL names) are the store's
 * {@link UrlAuthorizer}, which the submission server's BURL uses too; this class reads the
 * commands and writes the responses.
 */
final class UrlAuthCommands {
    private UrlAuthCommands() {}

    /** GENURLAUTH 1*(SP url-rump SP mechanism): one {@code * GENURLAUTH} with every authorized URL, in order. */
    static String genUrlAuth(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        UrlAuthorizer auth = authorizer(ctx);
        ArgReader a = r.args();
        List<String> rumps = new ArrayList<>();
        List<String> mechanisms = new ArrayList<>();
        do {
            rumps.add(a.astring());
            a.sp();
            mechanisms.add(a.atom());
        } while (a.optionalSp());
        a.end();
        Account account = new Account(ctx.accountId(), 0, ctx.store().address(), null, 0, 0, 0, 0, 0);
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < rumps.size(); i++) {
            try {
                urls.add(Strings.string(auth.generate(account, rumps.get(i), mechanisms.get(i)), false));
            } catch (UrlAuthorizer.Refused e) {
                // RFC 4467 7: a URL that fails the checks is a tagged BAD.
                throw ImapSyntaxException.syntax(e.getMessage());
            }
        }
        ctx.untagged("GENURLAUTH " + String.join(" ", urls));
        return "GENURLAUTH completed";
    }

    /** RESETKEY [mailbox *(SP mechanism)]: new keys, so every URL authorized before stops working. */
    static String resetKey(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        UrlAuthorizer auth = authorizer(ctx);
        ArgReader a = r.args();
        if (a.atEnd()) {
            auth.resetAll(ctx.accountId());
            return "[URLMECH INTERNAL] RESETKEY completed";
        }
        String name = MailboxCommands.mailboxName(ctx, a);
        while (a.optionalSp()) {
            String mechanism = a.atom();
            if (!mechanism.equalsIgnoreCase(UrlAuthorizer.INTERNAL)) throw ImapSyntaxException.syntax("unknown URLAUTH mechanism " + mechanism);
        }
        a.end();
        Mailbox m = ctx.store().mailbox(ctx.accountId(), name).orElseThrow(() -> new No("NONEXISTENT", "no mailbox named " + name));
        auth.reset(ctx.accountId(), m.id());
        return "[URLMECH INTERNAL] RESETKEY completed";
    }

    private record Arg(String url, Set<String> params) { }

    /**
     * URLFETCH 1*(SP url-fetch-arg), url-fetch-arg = url / "(" url *(SP param) ")" (RFC 5524):
     * one {@code * URLFETCH} per URL, NIL for a URL that does not hold; with parameters, the
     * parenthesized BODYPARTSTRUCTURE, BODY or BINARY elements instead.
     */
    static String urlFetch(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        UrlAuthorizer auth = authorizer(ctx);
        ArgReader a = r.args();
        List<Arg> args = new ArrayList<>();
        do {
            if (a.peekIs('(')) {
                a.open();
                String url = a.astring();
                Set<String> params = new LinkedHashSet<>();
                while (a.optionalSp()) {
                    String p = a.keyword();
                    if (!p.equals("BODY") && !p.equals("BINARY") && !p.equals("BODYPARTSTRUCTURE")) {
                        throw ImapSyntaxException.syntax("unknown URLFETCH parameter " + p);
                    }
                    // RFC 5524 3.1: each at most once, and not both BINARY and BODY.
                    if (!params.add(p)) throw ImapSyntaxException.syntax("URLFETCH parameter " + p + " given twice");
                }
                if (params.contains("BODY") && params.contains("BINARY")) throw ImapSyntaxException.syntax("BODY and BINARY exclude each other");
                a.close();
                args.add(new Arg(url, params));
            } else {
                args.add(new Arg(a.astring(), null));
            }
        } while (a.optionalSp());
        a.end();
        for (Arg arg : args) {
            Optional<UrlAuthorizer.Fetched> f = auth.fetch(arg.url(), ctx.store().address(), false, Instant.now());
            String url = Strings.string(arg.url(), ctx.utf8());
            if (f.isEmpty()) {
                ctx.untagged("URLFETCH " + url + " NIL");
                continue;
            }
            // RFC 5524 3: no parameters, or the URL alone, answer as RFC 4467 does.
            if (arg.params() == null || arg.params().isEmpty()) {
                ctx.write("* URLFETCH " + url + " ");
                literal(ctx, f.get().content(), false);
                ctx.write("\r\n");
                continue;
            }
            ctx.write("* URLFETCH " + url);
            for (String p : arg.params()) {
                ctx.write(" (" + p + " ");
                switch (p) {
                    case "BODYPARTSTRUCTURE" -> ctx.write(BodyStructure.of(part(f.get()), true));
                    case "BODY" -> literal(ctx, f.get().content(), false);
                    default -> {
                        byte[] binary = binary(f.get());
                        if (binary == null) ctx.write("NIL");
                        else literal(ctx, binary, true);
                    }
                }
                ctx.write(")");
            }
            ctx.write("\r\n");
        }
        return "URLFETCH completed";
    }

    private static UrlAuthorizer authorizer(Context ctx) throws No {
        UrlAuthorizer auth = ctx.services().urlAuth();
        if (auth == null) throw new No("CANNOT", "URLAUTH is not available on this server");
        return auth;
    }

    /** The part a URL names (the message for a URL without a section, or one naming HEADER or TEXT of it). */
    private static MimePart part(UrlAuthorizer.Fetched f) {
        if (f.section() == null || f.section().path().isEmpty()) return f.message();
        MimePart p = f.section().part(f.message());
        return p == null ? f.message() : p;
    }

    /**
     * RFC 5524 3.1 BINARY: a part's content with its transfer encoding undone (base64 and
     * quoted-printable), the URL's partial range applied to it; null when it cannot be decoded.
     */
    private static byte[] binary(UrlAuthorizer.Fetched f) {
        byte[] content;
        if (f.section() == null || f.section().text() != null) {
            content = f.section() == null ? f.message().data() : f.section().extract(f.message());
        } else {
            content = FetchCommand.binary(f.section(), f.message());
            if (content == null) return null;
        }
        if (f.url().partialStart() >= 0) {
            int from = (int) Math.min(f.url().partialStart(), content.length);
            int to = f.url().partialLength() < 0 ? content.length : (int) Math.min(content.length, from + f.url().partialLength());
            content = java.util.Arrays.copyOfRange(content, from, to);
        }
        return content;
    }

    /** A literal; with {@code binary} a literal8 (~{n}) when the octets hold a NUL (RFC 5524 5). */
    private static void literal(Context ctx, byte[] content, boolean binary) throws IOException {
        boolean nul = false;
        for (byte b : content) if (b == 0) nul = true;
        ctx.write((binary && nul ? "~" : "") + "{" + content.length + "}\r\n");
        ctx.output().write(content);
        ctx.services().metrics().fetched(content.length);
    }
}
