package org.twinmail.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.SpecialUse;
import org.twinmail.store.Delivery;
import org.twinmail.store.RecipientResolution;
import org.twinmail.store.StoreException;

class PipelineTest {
    static final Client CLIENT = new Client(InetAddress.getLoopbackAddress(), Optional::empty, "smtp", false,
            "client.example", true, Optional.empty());

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<String> ran = new ArrayList<>();

    /** A MAIL and RCPT check that records that it ran and answers with a fixed verdict. */
    final class Fixed implements Check.Mail, Check.Rcpt {
        final String name;
        final Verdict verdict;

        Fixed(String name, Verdict verdict) {
            this.name = name;
            this.verdict = verdict;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Verdict mail(Client client, Envelope envelope) {
            ran.add("mail:" + name);
            return verdict;
        }

        @Override
        public Verdict rcpt(Client client, Envelope envelope, Recipient recipient) {
            ran.add("rcpt:" + name);
            return verdict;
        }
    }

    /** A DATA-only check. */
    record DataOnly(String name, Verdict verdict) implements Check.Data {
        @Override
        public Verdict data(Client client, Envelope envelope, Message message) {
            return verdict;
        }
    }

    /** An envelope with no recipients yet; {@code refusals} by reason. */
    record TestEnvelope(List<String> recipients, Map<String, Integer> refusals) implements Envelope {
        TestEnvelope() {
            this(List.of(), new HashMap<>());
        }

        @Override
        public String queueId() {
            return "Q1";
        }

        @Override
        public Optional<EmailAddress> sender() {
            return Optional.of(EmailAddress.parse("s@remote.example"));
        }

        @Override
        public OptionalLong declaredSize() {
            return OptionalLong.empty();
        }

        @Override
        public boolean smtputf8() {
            return false;
        }

        @Override
        public List<Account> accounts() {
            return List.of();
        }

        @Override
        public List<EmailAddress> remoteRecipients() {
            return List.of();
        }

        @Override
        public int refused(String reason) {
            return refusals.getOrDefault(reason, 0);
        }
    }

    Pipeline pipeline(Check... checks) {
        Chain.Builder b = Chain.builder("mx");
        for (Check c : checks) b.add(c);
        return new Pipeline(b.build(), new FilterMetrics(registry));
    }

    double counted(String stage, String check, String verdict, String reason) {
        Counter c = registry.find("twinmail.filter.verdicts").tag("chain", "mx").tag("stage", stage).tag("check", check)
                .tag("verdict", verdict).tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    static Recipient recipient(String address) {
        return new Recipient(address, Optional.of(EmailAddress.parse(address)), a -> new RecipientResolution.NotLocal());
    }

    @Test
    void checksRunInChainOrderAndAllContinuingPasses() {
        Decision d = pipeline(new Fixed("a", Verdict.proceed()), new Fixed("b", Verdict.proceed()), new Fixed("c", Verdict.proceed()))
                .mail(CLIENT, new TestEnvelope());
        assertThat(ran).containsExactly("mail:a", "mail:b", "mail:c");
        assertThat(d.verdict()).isInstanceOf(Verdict.Continue.class);
        assertThat(d.check()).isNull();
        assertThat(d.refused()).isFalse();
        assertThat(d.notes()).isEmpty();
        assertThat(registry.find("twinmail.filter.verdicts").counters()).as("continue is not counted").isEmpty();
    }

    @Test
    void acceptSkipsTheRestOfTheStageButKeepsEarlierEffects() {
        HeaderField tag = new HeaderField("X-Tag", "early");
        Decision d = pipeline(new Fixed("tag", Verdict.addHeaders("tagged", tag)), new Fixed("allow", Verdict.accept("allow_listed")),
                new Fixed("never", Verdict.reject(550, "5.7.1", "no", "never_reached")))
                .mail(CLIENT, new TestEnvelope());
        assertThat(ran).containsExactly("mail:tag", "mail:allow");
        assertThat(d.verdict()).isEqualTo(Verdict.accept("allow_listed"));
        assertThat(d.check()).isEqualTo("allow");
        assertThat(d.effects()).containsExactly(Verdict.addHeaders("tagged", tag));
        assertThat(d.notes()).containsExactly("mail/tag/tagged", "mail/allow/allow_listed");
        assertThat(counted("mail", "allow", "accept", "allow_listed")).isEqualTo(1);
        assertThat(counted("mail", "tag", "add_headers", "tagged")).isEqualTo(1);
        assertThat(counted("mail", "never", "reject", "never_reached")).isZero();
    }

    @Test
    void rejectEndsTheStageWithItsReplyAndDropsTheEffects() {
        Decision d = pipeline(new Fixed("tag", Verdict.addHeaders("tagged", new HeaderField("X-Tag", "1"))),
                new Fixed("block", Verdict.reject(550, "5.7.1", "Sender blocked", "sender_blocked")),
                new Fixed("never", Verdict.proceed()))
                .rcpt(CLIENT, new TestEnvelope(), recipient("r@remote.example"));
        assertThat(ran).containsExactly("rcpt:tag", "rcpt:block");
        assertThat(d.refused()).isTrue();
        assertThat(d.refusal().code()).isEqualTo(550);
        assertThat(d.refusal().status()).isEqualTo("5.7.1");
        assertThat(d.refusal().text()).isEqualTo("Sender blocked");
        assertThat(d.verdict().reason()).isEqualTo("sender_blocked");
        assertThat(d.check()).isEqualTo("block");
        assertThat(d.effects()).isEmpty();
        assertThat(d.notes()).containsExactly("rcpt/tag/tagged", "rcpt/block/sender_blocked");
        assertThat(counted("rcpt", "block", "reject", "sender_blocked")).isEqualTo(1);
    }

    @Test
    void tempfailIsARefusalTooAndCountedAsSuch() {
        Decision d = pipeline(new Fixed("grey", Verdict.tempfail(451, "4.7.1", "Greylisted, try again later", "greylisted")),
                new Fixed("never", Verdict.proceed()))
                .rcpt(CLIENT, new TestEnvelope(), recipient("r@remote.example"));
        assertThat(ran).containsExactly("rcpt:grey");
        assertThat(d.refusal()).isInstanceOf(Verdict.Tempfail.class);
        assertThat(d.refusal().code()).isEqualTo(451);
        assertThat(d.refusal().exemptFromErrorLimit()).isFalse();
        assertThat(counted("rcpt", "grey", "tempfail", "greylisted")).isEqualTo(1);
    }

    @Test
    void quarantineEndsTheStage() {
        Decision d = pipeline(new Fixed("hold", Verdict.quarantine("suspicious")), new Fixed("never", Verdict.proceed()))
                .mail(CLIENT, new TestEnvelope());
        assertThat(ran).containsExactly("mail:hold");
        assertThat(d.quarantined()).isTrue();
        assertThat(d.refused()).isFalse();
        assertThat(counted("mail", "hold", "quarantine", "suspicious")).isEqualTo(1);
    }

    @Test
    void aStageRunsOnlyTheChecksThatTakePartInIt() {
        Pipeline p = pipeline(new Fixed("m", Verdict.proceed()), new DataOnly("d", Verdict.reject(554, "5.7.1", "no", "bad_content")));
        assertThat(p.chain().checks(Stage.MAIL)).extracting(Check::name).containsExactly("m");
        assertThat(p.chain().checks(Stage.DATA)).extracting(Check::name).containsExactly("d");
        assertThat(p.chain().checks(Stage.CONNECT)).isEmpty();
        assertThat(p.mail(CLIENT, new TestEnvelope()).refused()).isFalse();
        assertThat(p.data(CLIENT, new TestEnvelope(), null).refused()).isTrue();
    }

    @Test
    void aFailingCheckIsATemporaryRefusalNeverAPass() {
        Check.Rcpt store = new Check.Rcpt() {
            @Override
            public String name() {
                return "lookup";
            }

            @Override
            public Verdict rcpt(Client c, Envelope e, Recipient r) {
                throw new StoreException.Unavailable("down", null);
            }
        };
        Check.Rcpt broken = new Check.Rcpt() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public Verdict rcpt(Client c, Envelope e, Recipient r) throws IOException {
                throw new IOException("scanner gone");
            }
        };
        Decision d = pipeline(store, new Fixed("after", Verdict.proceed())).rcpt(CLIENT, new TestEnvelope(), recipient("r@remote.example"));
        assertThat(d.refusal()).isEqualTo(new Verdict.Tempfail(451, "4.3.0",
                "<r@remote.example>: Temporary lookup failure, try again later", "store_error", false));
        assertThat(ran).isEmpty();
        Decision e = pipeline(broken).rcpt(CLIENT, new TestEnvelope(), recipient("r@remote.example"));
        assertThat(e.refusal().code()).isEqualTo(451);
        assertThat(e.verdict().reason()).isEqualTo("check_error");
        assertThat(counted("rcpt", "broken", "tempfail", "check_error")).isEqualTo(1);
    }

    @Test
    void aFailingDeliveredCheckDoesNotStopTheOthers() {
        List<String> told = new ArrayList<>();
        Check.Delivered failing = new Check.Delivered() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public void delivered(Client client, Envelope envelope) {
                throw new IllegalStateException("bug");
            }
        };
        Check.Delivered counting = new Check.Delivered() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public void delivered(Client client, Envelope envelope) {
                told.add(envelope.queueId());
            }
        };
        pipeline(failing, counting).delivered(CLIENT, new TestEnvelope());
        assertThat(told).containsExactly("Q1");
    }

    @Test
    void perRecipientEffectsLandOnThatRecipientsAccountsOnly() {
        Disposition disposition = new Disposition();
        HeaderField everyone = new HeaderField("Authentication-Results", "mx.test.example; spf=pass");
        disposition.apply(pipeline(new Fixed("spf", Verdict.addHeaders("spf_pass", everyone))).mail(CLIENT, new TestEnvelope()), List.of());
        Decision junk = pipeline(new Fixed("junk", Verdict.fileInto("Junk", Set.of("$Junk"), "user_rule")))
                .rcpt(CLIENT, new TestEnvelope(), recipient("r@remote.example"));
        disposition.apply(junk, List.of(7L, 8L));
        String spf = "Authentication-Results: mx.test.example; spf=pass";
        assertThat(disposition.recipient(7)).isEqualTo(new Delivery.Recipient(7, "Junk", null, Set.of("$Junk"), List.of(spf)));
        assertThat(disposition.recipient(8).flags()).containsExactly("$Junk");
        assertThat(disposition.recipient(9)).isEqualTo(new Delivery.Recipient(9, null, null, Set.of(), List.of(spf)));
        assertThat(disposition.headers(9)).containsExactly(everyone);
        assertThat(disposition.isPlain()).isFalse();

        // a DATA check naming accounts itself; a later filing for an account wins, quarantine wins over all
        HeaderField score = new HeaderField("X-Spam-Score", "7.5");
        disposition.apply(pipeline(new DataOnly("score", new Verdict.AddHeaders(List.of(score), List.of(9L), "scored")))
                .data(CLIENT, new TestEnvelope(), null), List.of());
        assertThat(disposition.headers(9)).containsExactly(everyone, score);
        assertThat(disposition.headers(7)).containsExactly(everyone);
        disposition.apply(pipeline(new DataOnly("inbox", Verdict.fileInto("INBOX", Set.of(), "trusted").forAccounts(List.of(7L))))
                .data(CLIENT, new TestEnvelope(), null), List.of());
        assertThat(disposition.recipient(7).mailbox()).isEqualTo("INBOX");
        assertThat(disposition.recipient(8).mailbox()).isEqualTo("Junk");
        disposition.apply(pipeline(new DataOnly("hold", Verdict.quarantine("virus"))).data(CLIENT, new TestEnvelope(), null), List.of());
        assertThat(disposition.quarantine()).isEqualTo("virus");
        assertThat(disposition.recipient(7)).isEqualTo(new Delivery.Recipient(7, null, SpecialUse.JUNK, Set.of(Disposition.QUARANTINED),
                List.of(spf)));
        assertThat(disposition.recipient(8).flags()).containsExactlyInAnyOrder("$Junk", Disposition.QUARANTINED);
    }

    @Test
    void severalEffectsFromOneCheckAreEachCountedAndApplied() {
        Decision d = pipeline(new DataOnly("spam", Verdict.effects(
                Verdict.fileInto("Junk", Set.of("$Junk"), "spam_score").forAccounts(List.of(1L)),
                new Verdict.AddHeaders(List.of(new HeaderField("X-Spam-Status", "Yes")), List.of(1L, 2L), "spam_tagged"))))
                .data(CLIENT, new TestEnvelope(), null);
        assertThat(d.refused()).isFalse();
        assertThat(d.notes()).containsExactly("data/spam/spam_score", "data/spam/spam_tagged");
        assertThat(counted("data", "spam", "file_into", "spam_score")).isEqualTo(1);
        assertThat(counted("data", "spam", "add_headers", "spam_tagged")).isEqualTo(1);
        Disposition disposition = new Disposition();
        disposition.apply(d, List.of());
        assertThat(disposition.recipient(1).mailbox()).isEqualTo("Junk");
        assertThat(disposition.recipient(2)).isEqualTo(new Delivery.Recipient(2, null, null, Set.of(), List.of("X-Spam-Status: Yes")));
        assertThat(disposition.headers(2)).extracting(HeaderField::name).containsExactly("X-Spam-Status");
        assertThat(disposition.headers(3)).isEmpty();
    }

    @Test
    void deliveriesHoldEveryFiledCopyAndTheRedirectsAndNothingForADroppedAccount() {
        HeaderField note = new HeaderField("X-Redirected", "yes");
        Decision d = pipeline(new DataOnly("sieve", Verdict.effects(
                new Verdict.CopyInto("A", Set.of(), 1L, "sieve_copy"),
                new Verdict.CopyInto("B", Set.of("$Filed"), 1L, "sieve_copy"),
                new Verdict.Drop(List.of(2L), "sieve_discard"),
                new Verdict.Redirect(1L, "srs@test.example", List.of(new EmailAddress("far", "remote.example")), List.of(1L, 3L),
                        List.of(note), "sieve_redirect"))))
                .data(CLIENT, new TestEnvelope(), null);
        Disposition disposition = new Disposition();
        disposition.apply(d, List.of());
        Disposition.Deliveries all = disposition.deliveries(List.of(1L, 2L), true, false);
        assertThat(all.copies()).containsExactly(Delivery.Recipient.inbox(1),
                new Delivery.Recipient(1, "A", null, Set.of(), List.of()), new Delivery.Recipient(1, "B", null, Set.of("$Filed"), List.of()),
                Delivery.Recipient.inbox(3).withHeaderFields(List.of("X-Redirected: yes")));
        assertThat(all.redirects()).singleElement().satisfies(r -> {
            assertThat(r.outbound().sender()).isEqualTo("srs@test.example");
            assertThat(r.outbound().recipients()).containsExactly(new EmailAddress("far", "remote.example"));
            assertThat(r.outbound().smtputf8()).isTrue();
            assertThat(r.headerFields()).containsExactly("X-Redirected: yes");
        });
        assertThat(all.isEmpty()).isFalse();
        // held mail is never relayed nor redirected: one copy into Junk
        disposition.apply(pipeline(new DataOnly("hold", Verdict.quarantine("virus"))).data(CLIENT, new TestEnvelope(), null), List.of());
        Disposition.Deliveries held = disposition.deliveries(List.of(1L, 2L), true, false);
        assertThat(held.redirects()).isEmpty();
        assertThat(held.copies()).containsExactly(new Delivery.Recipient(1, null, SpecialUse.JUNK, Set.of(Disposition.QUARANTINED), List.of()));

        Disposition discarded = new Disposition();
        discarded.apply(pipeline(new DataOnly("sieve", Verdict.effects(new Verdict.Drop(List.of(2L), "sieve_discard"))))
                .data(CLIENT, new TestEnvelope(), null), List.of());
        assertThat(discarded.deliveries(List.of(2L), false, false).isEmpty()).as("every copy dropped").isTrue();
    }

    @Test
    void aSessionDispositionIsCopiedNotShared() {
        Disposition session = new Disposition();
        Disposition tx = new Disposition(session);
        tx.apply(new Decision(Stage.MAIL, Verdict.CONTINUE, null, List.of(Verdict.fileInto(SpecialUse.JUNK, Set.of(), "x")), List.of()), List.of());
        assertThat(tx.recipient(1)).isEqualTo(Delivery.Recipient.inbox(1).into(SpecialUse.JUNK));
        assertThat(session.recipient(1)).isEqualTo(Delivery.Recipient.inbox(1));
        assertThat(session.isPlain()).isTrue();
    }

    @Test
    void verdictsAreCheckedWhenMade() {
        assertThatThrownBy(() -> Verdict.reject(450, "4.7.1", "x", "r")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Verdict.tempfail(451, "5.7.1", "x", "r")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Verdict.reject(550, "5.7.1", "two\r\nlines", "r")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Verdict.accept("Not A Token")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Verdict.FileInto("Junk", SpecialUse.JUNK, Set.of(), List.of(), "r"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeaderField("X-Bad", "v\r\nInjected: yes")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeaderField("X-Bad", "v\nInjected: yes")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeaderField("X Bad", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new String(new HeaderField("X-Folded", "a\r\n b").bytes(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("X-Folded: a\r\n b\r\n");
    }

    @Test
    void aChainPlacesACheckInEveryStageItImplementsAndRefusesDuplicates() {
        Chain chain = Chain.builder("mx").add(new Fixed("a", Verdict.proceed())).add(new DataOnly("d", Verdict.proceed()))
                .addBefore("a", new Fixed("first", Verdict.proceed())).build();
        assertThat(chain.describe()).isEqualTo("""
                connect: -
                helo: -
                mail: first, a
                rcpt: first, a
                data: d
                delivered: -""");
        assertThatThrownBy(() -> chain.toBuilder().add(new Fixed("a", Verdict.proceed())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two checks named a");
        assertThatThrownBy(() -> chain.toBuilder().addBefore("nope", new Fixed("x", Verdict.proceed())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
