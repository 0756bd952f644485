package org.twinmail.imap.command;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every command the server knows: the states it is allowed in, whether it has a UID
 * form, and whether untagged EXPUNGE may be sent while it runs (RFC 9051 7.5.1: not
 * during FETCH, STORE or SEARCH, whose answers use sequence numbers). STARTTLS, IDLE,
 * COMPRESS and AUTHENTICATE work on the connection itself, so the session runs them.
 */
public enum CommandTable {
    CAPABILITY(BasicCommands::capability, any(), false, true),
    NOOP(BasicCommands::noop, any(), false, true),
    LOGOUT(BasicCommands::logout, any(), false, true),
    ID(BasicCommands::id, any(), false, true),
    STARTTLS(null, EnumSet.of(State.NOT_AUTHENTICATED), false, true),
    LOGIN(BasicCommands::login, EnumSet.of(State.NOT_AUTHENTICATED), false, true),
    AUTHENTICATE(null, EnumSet.of(State.NOT_AUTHENTICATED), false, true),
    ENABLE(BasicCommands::enable, authenticated(), false, true),
    UNAUTHENTICATE(BasicCommands::unauthenticate, authenticated(), false, true),
    NAMESPACE(BasicCommands::namespace, authenticated(), false, true),
    SELECT(SelectCommands::select, authenticated(), false, true),
    EXAMINE(SelectCommands::select, authenticated(), false, true),
    CREATE(MailboxCommands::create, authenticated(), false, true),
    DELETE(MailboxCommands::delete, authenticated(), false, true),
    RENAME(MailboxCommands::rename, authenticated(), false, true),
    SUBSCRIBE(MailboxCommands::subscribe, authenticated(), false, true),
    UNSUBSCRIBE(MailboxCommands::subscribe, authenticated(), false, true),
    LIST(MailboxCommands::list, authenticated(), false, true),
    LSUB(MailboxCommands::list, authenticated(), false, true),
    STATUS(MailboxCommands::status, authenticated(), false, true),
    APPEND(AppendCommand::append, authenticated(), false, true),
    GETMETADATA(MetadataCommand::get, authenticated(), false, true),
    SETMETADATA(MetadataCommand::set, authenticated(), false, true),
    GETQUOTAROOT(QuotaCommand::getQuotaRoot, authenticated(), false, true),
    GETQUOTA(QuotaCommand::getQuota, authenticated(), false, true),
    SETQUOTA(QuotaCommand::setQuota, authenticated(), false, true),
    SETACL(AclCommands::setAcl, authenticated(), false, true),
    DELETEACL(AclCommands::deleteAcl, authenticated(), false, true),
    GETACL(AclCommands::getAcl, authenticated(), false, true),
    LISTRIGHTS(AclCommands::listRights, authenticated(), false, true),
    MYRIGHTS(AclCommands::myRights, authenticated(), false, true),
    IDLE(null, authenticated(), false, true),
    COMPRESS(null, authenticated(), false, true),
    NOTIFY(NotifyCommand::notify, authenticated(), false, true),
    GENURLAUTH(UrlAuthCommands::genUrlAuth, authenticated(), false, true),
    RESETKEY(UrlAuthCommands::resetKey, authenticated(), false, true),
    URLFETCH(UrlAuthCommands::urlFetch, authenticated(), false, true),
    CHECK(BasicCommands::noop, selected(), false, true),
    CLOSE(SelectCommands::close, selected(), false, true),
    UNSELECT(SelectCommands::close, selected(), false, true),
    EXPUNGE(SelectCommands::expunge, selected(), true, true),
    SEARCH(SearchCommand::search, selected(), true, false),
    SORT(SortCommand::sort, selected(), true, false),
    THREAD(ThreadCommand::thread, selected(), true, false),
    CANCELUPDATE(SearchCommand::cancelUpdate, selected(), false, true),
    FETCH(FetchCommand::fetch, selected(), true, false),
    STORE(StoreCommand::store, selected(), true, false),
    COPY(CopyCommand::copy, selected(), true, true),
    MOVE(CopyCommand::copy, selected(), true, true),
    REPLACE(AppendCommand::replace, selected(), true, true);

    private final Handler handler;
    private final Set<State> states;
    private final boolean hasUidForm;
    private final boolean expungeAllowed;

    CommandTable(Handler handler, Set<State> states, boolean hasUidForm, boolean expungeAllowed) {
        this.handler = handler;
        this.states = states;
        this.hasUidForm = hasUidForm;
        this.expungeAllowed = expungeAllowed;
    }

    private static final Map<String, CommandTable> BY_NAME =
            Stream.of(values()).collect(Collectors.toMap(Enum::name, Function.identity()));

    public static Optional<CommandTable> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name.toUpperCase(Locale.ROOT)));
    }

    public Handler handler() {
        return handler;
    }

    public boolean allowedIn(State state) {
        return states.contains(state);
    }

    public boolean hasUidForm() {
        return hasUidForm;
    }

    /** Commands that work on the selected mailbox's messages get its changes first (not SELECT, CLOSE and the like). */
    public boolean syncsBefore() {
        return states.equals(selected()) && this != CLOSE && this != UNSELECT;
    }

    /** Their arguments or answers use message sequence numbers unless given as UID commands. */
    public boolean usesSequenceNumbers() {
        return this == FETCH || this == STORE || this == SEARCH || this == SORT || this == THREAD || this == COPY || this == MOVE
                || this == REPLACE;
    }

    /** UID FETCH/STORE/SEARCH use UIDs only, so EXPUNGE may be sent during them (RFC 9051 7.5.1). */
    public boolean expungeAllowed(boolean uid) {
        return expungeAllowed || uid;
    }

    private static Set<State> any() {
        return EnumSet.allOf(State.class);
    }

    private static Set<State> authenticated() {
        return EnumSet.of(State.AUTHENTICATED, State.SELECTED);
    }

    private static Set<State> selected() {
        return EnumSet.of(State.SELECTED);
    }

    /** AUTHENTICATE needs the session's line reader for the client's answers. */
    public static Handler authenticate(BasicCommands.LineSource lines) {
        return (ctx, r) -> BasicCommands.authenticate(ctx, r, lines);
    }
}
