package org.twinmail.core.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the configuration file can set, with the default used when the file
 * (or the key) is absent. Each field is one named setting; docs/configuration.md
 * lists them and twinmail.example.yaml shows them in use. Sizes are written "25M",
 * durations "5m". Unknown keys are an error, so a typo never silently falls back
 * to a default.
 */
public final class TwinmailConfig {

    /** Name this server announces in greetings and Received headers. */
    public String hostname = defaultHostname();

    /** Directory for the store, spool and run files. */
    public String dataDir = "./data";

    public Smtp smtp = new Smtp();
    public Pop3 pop3 = new Pop3();
    public Imap imap = new Imap();
    public Http http = new Http();
    public Jmap jmap = new Jmap();
    public Web web = new Web();
    public Store store = new Store();
    public Search search = new Search();
    public Auth auth = new Auth();
    public Cluster cluster = new Cluster();
    public Tls tls = new Tls();
    public Submission submission = new Submission();
    public Relay relay = new Relay();
    public Sms sms = new Sms();
    public Push push = new Push();
    public Limits limits = new Limits();
    public Filter filter = new Filter();
    public ManageSieve managesieve = new ManageSieve();
    public Forwarding forwarding = new Forwarding();
    public Vacation vacation = new Vacation();
    public Clients clients = new Clients();
    public Console console = new Console();

    /** SMTP (MX) service: mail for local domains; relays only for {@code relayNetworks}. */
    public static final class Smtp {
        /** Addresses to accept connections on (standard port 25). */
        public List<Listen> listen = List.of(Listen.parse("0.0.0.0:2525"));
        /** Largest message accepted (advertised with SIZE); an account's own limit may be lower. */
        public Size maxMessageSize = Size.of("50M");
        /** Recipients per transaction (RCPT TO beyond this gets 452 4.5.3); RFC 5321 requires at least 100. */
        public int maxRecipients = 1000;
        /** Longest command or text line in octets, CRLF included (RFC 5321 minimum is 1000). */
        public int maxLineLength = 2048;
        /** Idle time allowed between commands (RFC 5321 4.5.3.2.7: at least 5 minutes). */
        public Duration commandTimeout = Duration.ofMinutes(5);
        /** Idle time allowed while reading message data (RFC 5321 4.5.3.2.6: at least 3 minutes per block). */
        public Duration dataTimeout = Duration.ofMinutes(3);
        /**
         * Longest the message data of one transaction may take as a whole, however steadily it
         * trickles in (a client sending a line every dataTimeout would otherwise hold its slot for
         * ever); then 421 4.4.2 and close. 30 minutes carries smtp.maxMessageSize's 50 MB at ~30 KB/s.
         */
        public Duration maxDataTime = Duration.ofMinutes(30);
        /** Simultaneous SMTP connections; more wait in the kernel's listen queue. */
        public int maxConnections = 2000;
        /** Errors (bad commands, refused recipients) before the session is closed with 421. */
        public int maxErrors = 20;
        /** Commands that do no work (NOOP, RSET, VRFY, HELP, ...) allowed per session. */
        public int junkCommandLimit = 100;
        /** Received headers in a message beyond which it is refused as a mail loop. */
        public int maxHops = 50;
        /**
         * Header section of an incoming message that header checks read (the submission From
         * check: a From field beyond it is not found); Postfix's header_size_limit is 100 KiB too.
         */
        public Size maxHeaderSize = Size.of("100K");
        /**
         * Client networks (address/prefix) whose mail to remote domains this port accepts for the
         * outbound queue without AUTH, like Postfix's mynetworks: web applications, scanners,
         * other hosts of the site. Empty (the default): the MX never relays.
         */
        public List<String> relayNetworks = List.of();
        /**
         * Where mail for {@code postmaster@<a local domain>} (and a bare {@code <postmaster>}) goes
         * when the domain has no alias or account of that name (RFC 5321 4.5.1: it is always
         * accepted): this local address; empty: the domain's first account (its administrator).
         */
        public String postmaster = "";
    }

    /** POP3 service. */
    public static final class Pop3 {
        public List<Listen> listen = List.of(Listen.parse("0.0.0.0:2110"));
        /** Addresses for POP3 over implicit TLS (POP3S, standard port 995; RFC 8314). */
        public List<Listen> tlsListen = List.of(Listen.parse("0.0.0.0:2995"));
        /** Idle time before autologout (RFC 1939 requires at least 10 minutes). */
        public Duration commandTimeout = Duration.ofMinutes(10);
        /** Longest command line in octets (RFC 2449: 255 octets + CRLF; we allow some slack for AUTH). */
        public int maxLineLength = 1024;
        public int maxConnections = 2000;
        /** Failed commands before the session is closed. */
        public int maxErrors = 20;
    }

    /** ManageSieve (RFC 5804): users manage their Sieve scripts (docs/sieve.md). */
    public static final class ManageSieve {
        /** Addresses to accept connections on (standard port 4190). */
        public List<Listen> listen = List.of(Listen.parse("0.0.0.0:2190"));
        /** Idle time before the connection is closed. */
        public Duration commandTimeout = Duration.ofMinutes(10);
        /** Longest command line in octets, literals not counted. */
        public int maxLineLength = 8192;
        /** Largest script (PUTSCRIPT, CHECKSCRIPT); a larger literal ends the session before it is read. */
        public Size maxScriptSize = Size.of("64K");
        /** Scripts one account may keep. */
        public int maxScripts = 32;
        /** Redirects one script may make per message (announced as MAXREDIRECTS). */
        public int maxRedirects = 4;
        /** Commands and tests one message's Sieve run may execute, includes and global scripts counted; beyond it the run errors (the mail goes to INBOX). */
        public int maxInstructions = 10_000;
        public int maxConnections = 500;
        /** Failed commands before the session is closed. */
        public int maxErrors = 20;
    }

    /**
     * What mail clients and other mail servers are told about this server: the host name and
     * ports that client autoconfiguration (Thunderbird autoconfig, Microsoft Autodiscover, Apple
     * profiles) hands out, the SRV/MX/MTA-STS/TLS-RPT records that {@code twinmail admin domain dns}
     * prints, and the MTA-STS policy served at {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}.
     */
    public static final class Clients {
        /** Host name clients connect to and MX records name; empty: {@code hostname}. */
        public String host = "";
        /**
         * Port published per service when it differs from the first listen address of that service
         * (a VIP or NAT that maps 993 to 2993): keys {@code imap}, {@code imaps}, {@code pop3},
         * {@code pop3s}, {@code submission}, {@code submissions}, {@code managesieve}, {@code https};
         * 0 hides a service from clients. Empty: each service's own first listen port.
         */
        public java.util.Map<String, Integer> ports = java.util.Map.of();
        /** MTA-STS mode of the policy we host for our domains (RFC 8461): {@code none}, {@code testing} or {@code enforce}. */
        public String mtaStsMode = "testing";
        /** How long senders may cache the MTA-STS policy (RFC 8461 3.2 max_age; at most 31557600 s). */
        public Duration mtaStsMaxAge = Duration.ofDays(7);
        /**
         * Where TLS-RPT reports (RFC 8460) are to be sent, as published in {@code _smtp._tls}; empty:
         * {@code https://<host>/.well-known/tlsrpt} when HTTPS is served, else {@code mailto:postmaster@<domain>}.
         */
        public String tlsRptAddress = "";
    }

    /** Redirects (Sieve) and forwarding at delivery, with the Sender Rewriting Scheme (docs/sieve.md). */
    public static final class Forwarding {
        /**
         * The secret of SRS addresses (at least 16 characters; both nodes of a pair the same);
         * empty: a random one made once and kept in the store (records kind srs.secret).
         */
        public String srsSecret = "";
        /** How long a bounce to an SRS address of ours is accepted after the forward (postsrsd's 21 days). */
        public Duration srsMaxAge = Duration.ofDays(21);
        /** The domain of SRS addresses (one of ours, whose SPF names this server); empty: the forwarding account's domain. */
        public String srsDomain = "";
        /** Copies of one message redirected or forwarded, over all its recipients; beyond it the message stays in the INBOX. */
        public int maxRedirectsPerMessage = 10;
        /** Received fields beyond which a message is not redirected or forwarded (a loop); it stays in the INBOX. */
        public int maxReceived = 25;
    }

    /** Automatic replies: Sieve's vacation (RFC 5230, RFC 6131) and JMAP's VacationResponse (docs/sieve.md). */
    public static final class Vacation {
        /** Shortest time between two replies to one sender (a script's :days or :seconds below it is raised to it). */
        public Duration minPeriod = Duration.ofHours(1);
        /** How often one sender gets a JMAP VacationResponse (RFC 5230's default for :days is 7). */
        public Duration responsePeriod = Duration.ofDays(7);
    }

    /** IMAP service (RFC 9051, RFC 3501). */
    public static final class Imap {
        /** Addresses to accept connections on (standard port 143). */
        public List<Listen> listen = List.of(Listen.parse("0.0.0.0:2143"));
        /** Addresses for IMAP over implicit TLS (IMAPS, standard port 993; RFC 8314). */
        public List<Listen> tlsListen = List.of(Listen.parse("0.0.0.0:2993"));
        /** Longest command line in octets, literals not counted (Dovecot's imap_max_line_length is 64k). */
        public int maxLineLength = 65536;
        /** Largest literal a client may send (APPEND's message included); also advertised as APPENDLIMIT. */
        public Size maxLiteralSize = Size.of("50M");
        /** Deepest nesting of parenthesised lists (SEARCH keys, FETCH items) in one command. */
        public int maxNestingDepth = 32;
        /** Idle time allowed after login, IDLE included (RFC 9051 5.4: at least 30 minutes). */
        public Duration idleTimeout = Duration.ofMinutes(30);
        /** Idle time allowed before login. */
        public Duration authTimeout = Duration.ofMinutes(1);
        /** Simultaneous IMAP connections (clients keep several each, IDLE ones included). */
        public int maxConnections = 5000;
        /** Bad commands (BAD replies) before the session is closed with BYE. */
        public int maxErrors = 20;
        /** Memory for parsed messages (MIME structure, envelope, text) kept for FETCH and SEARCH, shared by all sessions. */
        public Size messageCacheSize = Size.of("64M");
        /** Largest literal before login (a LOGIN password, an AUTHENTICATE line): bigger ones close the connection. */
        public Size maxLiteralSizeBeforeLogin = Size.of("8K");
        /** Searches a session may keep up to date at once (SEARCH/SORT RETURN (UPDATE), RFC 5267); more get NO [NOUPDATE]. */
        public int maxSearchUpdates = 8;
        /**
         * Most messages one FETCH, STORE, COPY, MOVE, REPLACE or UID EXPUNGE works on, and one
         * MULTIAPPEND adds (advertised as MESSAGELIMIT, RFC 9738): by sequence number over it is
         * refused with NO [LIMIT], the UID forms do the lowest UIDs and answer OK [LIMIT].
         */
        public int messageLimit = 100_000;
        /** Largest METADATA value (RFC 5464 4.3: NO [METADATA MAXSIZE n] beyond it). */
        public Size metadataMaxSize = Size.of("64K");
        /** METADATA entries one account may have, server and mailbox entries together (NO [METADATA TOOMANY] beyond). */
        public int metadataMaxEntries = 1000;
        /** How often a long SEARCH, SORT or THREAD says it is still working (RFC 9585 INPROGRESS responses). */
        public Duration progressInterval = Duration.ofSeconds(5);
        /** Mailbox names one NOTIFY SET may list (RFC 5465): more get NO [NOTIFICATIONOVERFLOW]. */
        public int notifyMaxMailboxes = 100;
        /**
         * NOTIFY events of other mailboxes than the selected one (names, subscriptions, metadata; message
         * events count once per mailbox) held for a session until it may send them: beyond,
         * {@code * OK [NOTIFICATIONOVERFLOW]} and notifications stop as after NOTIFY NONE (RFC 5465 5.8).
         */
        public int notifyMaxPending = 1000;
    }

    /** The admin console and its monitoring (docs/console.md): what is kept in the store and for how long. */
    public static final class Console {
        /** How long the audit log of administrators' actions is kept (whole UTC days). */
        public Duration auditRetention = Duration.ofDays(365);
        /** How long the per-minute traffic and runtime history is kept. */
        public Duration minuteHistory = Duration.ofHours(48);
        /** How long the per-hour traffic and runtime history is kept. */
        public Duration hourHistory = Duration.ofDays(90);
        /** How long the per-account traffic counts (top senders and receivers) are kept, after their UTC day ends. */
        public Duration trafficRetention = Duration.ofDays(31);
        /** How often the per-account traffic counts, kept in memory as mail flows, are added into the store (and at shutdown). */
        public Duration trafficFlushInterval = Duration.ofSeconds(30);
        /** How often the active node deletes the store's expired records (history, audit days, expired bans). */
        public Duration purgeInterval = Duration.ofMinutes(10);
        /** How often the node's meters are read into the history (each sample adds into its minute). */
        public Duration sampleInterval = Duration.ofMinutes(1);
        /** Alert when more messages than this wait in the outbound queue. */
        public long alertQueueMessages = 1000;
        /** Alert when the oldest queued message has waited longer than this. */
        public Duration alertQueueAge = Duration.ofHours(4);
        /** Alert when more than this percentage of the SMTP transactions of the last 15 minutes were refused ... */
        public double alertRejectionPercent = 50;
        /** ... and there were at least this many in all. */
        public long alertRejectionMinimum = 50;
        /** Alert when the data volume is fuller than this percentage. */
        public double alertDiskPercent = 90;
        /** Alert when a served certificate expires within this time. */
        public Duration alertCertificateExpiry = Duration.ofDays(14);
        /** Phone numbers (E.164) that get each new alert by SMS too, when {@code sms.enabled} (a gateway is configured). */
        public List<String> alertSmsTo = List.of();
    }

    /** HTTP service: /metrics (Prometheus), /health, and the admin API under /api/admin. */
    public static final class Http {
        /**
         * Addresses for plain HTTP: loopback only (the admin API's token and the metrics never cross
         * a network in clear); every other address must be in {@code tlsListen}.
         */
        public List<Listen> listen = List.of(Listen.parse("127.0.0.1:8080"));
        /** Addresses for HTTPS (none by default: the admin API and metrics stay on {@code listen}). */
        public List<Listen> tlsListen = List.of();
        /**
         * Largest request body an endpoint reads into memory (the admin API's JSON requests are a
         * few hundred bytes); a larger one is refused with 413 before it is read.
         */
        public Size maxRequestBodySize = Size.of("64K");
        /** Largest request line and header block (HTTP/1.1) or header list (HTTP/2); beyond it: 431. */
        public Size maxRequestHeaderSize = Size.of("16K");
        /** A connection with no request in progress and no bytes moving for this long is closed. */
        public Duration idleTimeout = Duration.ofSeconds(30);
        /** Connections the kernel queues for each HTTP(S) address before they are accepted. */
        public int backlog = 128;
    }

    /**
     * JMAP (RFC 8620, 8621, 8887) on the HTTP addresses: {@code /.well-known/jmap}, {@code /jmap/...}.
     * The limits are advertised in the session object under the same names (RFC 8620 2).
     */
    public static final class Jmap {
        /** Serve JMAP on the HTTP listeners. */
        public boolean enabled = true;
        /** Largest blob one upload may carry (a larger one: 413 before it is stored). */
        public Size maxSizeUpload = Size.of("50M");
        /** Uploads of one account running at once; one more gets 429 (RFC 8620 limit). */
        public int maxConcurrentUpload = 4;
        /** Largest API request body (a larger one: problem {@code urn:ietf:params:jmap:error:limit}, 413). */
        public Size maxSizeRequest = Size.of("10M");
        /** API requests of one account running at once; one more gets the limit problem (429). */
        public int maxConcurrentRequests = 4;
        /** Method calls in one request; more: the limit problem {@code maxCallsInRequest}. */
        public int maxCallsInRequest = 32;
        /** Ids one /get may ask for; more: method error {@code requestTooLarge}. */
        public int maxObjectsInGet = 500;
        /** Objects one /set may create, update and destroy together; more: {@code requestTooLarge}. */
        public int maxObjectsInSet = 500;
        /** Largest {@code limit} an Email/query or Mailbox/query answers with (a larger one is cut to it). */
        public int maxQueryLimit = 1000;
        /** How long a bearer token issued by {@code POST /jmap/token} stays valid. */
        public Duration tokenLifetime = Duration.ofHours(12);
        /** Changes pushed over EventSource and WebSocket are gathered for this long before a StateChange goes out. */
        public Duration pushCoalesce = Duration.ofMillis(100);
        /**
         * The furthest an EmailSubmission may be held before it is sent ({@code sendAt}, FUTURERELEASE's
         * HOLDFOR/HOLDUNTIL), and so the undo window a client can offer; 0 sends every submission at once.
         */
        public Duration maxDelayedSend = Duration.ofDays(7);
        /**
         * The longest a JMAP PushSubscription lives (RFC 8620 7.2 {@code expires}): a later or no
         * {@code expires} is cut to now plus this, and the client renews it by an update.
         */
        public Duration pushSubscriptionMaxLifetime = Duration.ofDays(7);
        /** JMAP PushSubscriptions one user may have; one more is refused with {@code overQuota}. */
        public int maxPushSubscriptions = 20;
        /** Accept {@code http://} PushSubscription URLs on a loopback address (tests against a local push endpoint only; others need https). */
        public boolean pushAllowLoopbackHttp = false;
    }

    /** The web pages (webmail, admin console): their browser sessions. */
    public static final class Web {
        /** A browser session unused for this long ends (the user logs in again). */
        public Duration sessionIdleTimeout = Duration.ofMinutes(30);
        /** A browser session ends this long after its login, however busy. */
        public Duration sessionAbsoluteTimeout = Duration.ofHours(12);
    }

    /** Certificates and protocol versions for STARTTLS and every implicit-TLS listener. */
    public static final class Tls {
        /**
         * PEM files: {@code certificate} is the full chain (leaf first), {@code key} its private key
         * (RSA or ECDSA, PKCS#8 or traditional). The first entry is the default; another is chosen
         * when the client's SNI names one of its DNS names. Empty: a self-signed certificate is
         * generated under {@code dataDir/tls} on first start.
         */
        public List<CertificateFiles> certificates = List.of();
        /** TLS versions offered; only TLSv1.3 and TLSv1.2 are accepted. */
        public List<String> protocols = List.of("TLSv1.3", "TLSv1.2");
        /** How often the certificate files are checked for changes (then reloaded without restart). */
        public Duration reloadCheckInterval = Duration.ofMinutes(1);
        /** Longest a TLS handshake may take as a whole (implicit TLS and STARTTLS); then the connection is closed. */
        public Duration handshakeTimeout = Duration.ofSeconds(10);
    }

    /** One certificate chain and its key, as PEM file paths. */
    public static final class CertificateFiles {
        public String certificate;
        public String key;

        public CertificateFiles() {
        }

        public CertificateFiles(String certificate, String key) {
            this.certificate = certificate;
            this.key = key;
        }
    }

    /** Message submission (RFC 6409): authenticated users sending mail; shares the SMTP limits above. */
    public static final class Submission {
        /** Addresses for submission with STARTTLS (standard port 587). */
        public List<Listen> listen = List.of(Listen.parse("0.0.0.0:2587"));
        /** Addresses for submission over implicit TLS (standard port 465; RFC 8314). */
        public List<Listen> tlsListen = List.of(Listen.parse("0.0.0.0:2465"));
        public int maxConnections = 500;
        /** Messages one user may submit per hour (a sliding hour); more get 450 4.7.1. Contains a stolen password. */
        public int maxMessagesPerHour = 200;
        /** The sliding window {@code maxMessagesPerHour} counts in (an hour; shorter windows smooth bursts, e.g. 50 per 15m). */
        public Duration sendingLimitWindow = Duration.ofHours(1);
        /** Recipients per submitted message; more get 452 4.5.3. */
        public int maxRecipientsPerMessage = 100;
    }

    /** New-mail notices by SMS and replies by SMS (docs/sms.md); the queue runs on the active node only. */
    public static final class Sms {
        /** Run the SMS consumer and worker (with at least one gateway). */
        public boolean enabled = false;
        /** Parts a notice may take at most: 1 fits it into one SMS (160 GSM characters, 70 UCS-2). */
        public int maxParts = 1;
        /** Waits after the 1st, 2nd, ... refused attempt (SMSC down or throttling); the last one repeats until expireAfter. */
        public List<Duration> retrySchedule = List.of(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5));
        /** An SMS still not sent this long after it was queued (or after the quiet hours it waited for) is given up. */
        public Duration expireAfter = Duration.ofHours(1);
        /** How long a notice's reference matches a reply by SMS; final queue items are kept as long. */
        public Duration replyWindow = Duration.ofDays(7);
        /** A message older than this when the consumer sees it makes no notice (a copy or move of old mail). */
        public Duration maxNoticeAge = Duration.ofHours(1);
        /** How long a phone verification code counts. */
        public Duration codeValidity = Duration.ofMinutes(15);
        /** How often the worker looks at the queue when nothing woke it. */
        public Duration pollInterval = Duration.ofSeconds(1);
        /** Due SMS the worker takes in one round: their states are written in one commit before and one after their submits. */
        public int sendBatch = 32;
        /** A reply by SMS received again within this time of the first (same SMSC message id, or same phone, number and text) is dropped. */
        public Duration moDedupWindow = Duration.ofHours(1);
        /** A reply by SMS that is not sent on is answered by SMS at most once per number and reason in this interval. */
        public Duration answerInterval = Duration.ofHours(1);
        /** SMPP 3.4 gateways; with the HTTP ones, tried by priority (then as listed, SMPP first): the first available one sends. */
        public List<Smpp> smpp = List.of();
        /** HTTP gateways of cloud SMS providers (docs/sms.md, "HTTP gateway"). */
        public List<Http> http = List.of();
        /** CMPP 2.0/3.0 gateways (China Mobile's ISMG; docs/sms.md, "CMPP"). */
        public List<Cmpp> cmpp = List.of();

        /** One SMPP 3.4 SMSC account (the SMSC's contract gives most of these). */
        public static final class Smpp {
            public String name = "smpp";
            public String host = "";
            public int port = 2775;
            public String systemId = "";
            public String password = "";
            public String systemType = "";
            /** The service number notices come from. */
            public String sourceAddress = "";
            /** Digits of the notice's reference appended to sourceAddress (the SMSC must route that range to us); 0: the reference goes into the text. */
            public int extensionDigits = 0;
            /** submit_sm awaiting their response at once. */
            public int window = 10;
            /** submit_sm a second at most; 0: no limit. */
            public int throughput = 0;
            public Duration enquireLinkInterval = Duration.ofSeconds(30);
            /** A submit_sm without response this long is in doubt (not sent again). */
            public Duration responseTimeout = Duration.ofSeconds(10);
            /** Waits before the 1st, 2nd ... bind after a failure or a drop; the last repeats. */
            public List<Duration> reconnectDelays = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));
            /** Lower goes first among all gateways; equal ones in the order listed, SMPP, then CMPP, then HTTP. */
            public int priority = 0;
        }

        /** One CMPP 2.0/3.0 ISMG account (the carrier's contract gives most of these). */
        public static final class Cmpp {
            public String name = "cmpp";
            public String host = "";
            public int port = 7890;
            /** {@code 3.0} or {@code 2.0}. */
            public String version = "3.0";
            /** The SP's login (SP_Id, 6 characters): CONNECT's Source_Addr and SUBMIT's Msg_src. */
            public String spId = "";
            /** The shared secret of CONNECT's MD5 authenticator. */
            public String sharedSecret = "";
            /** The service code of each SUBMIT (Service_Id, up to 10 characters). */
            public String serviceId = "";
            /** The SP's service number notices come from (Src_Id). */
            public String sourceAddress = "";
            /** Digits of the notice's reference appended to sourceAddress (the ISMG routes replies to the extended number); 0: the reference goes into the text. */
            public int extensionDigits = 0;
            /** Fee_UserType: 0 the receiver, 1 the sender, 2 the SP, 3 Fee_terminal_Id. */
            public int feeUserType = 2;
            /** FeeType: 01 free, 02 per message ... */
            public String feeType = "01";
            /** FeeCode: the fee in fen. */
            public String feeCode = "000000";
            /** Numbers of this country go national in Dest_terminal_Id and a received national number is read in it; empty: international. */
            public String countryCode = "86";
            /** SUBMITs awaiting their SUBMIT_RESP at once. */
            public int window = 16;
            /** SUBMITs a second at most; 0: no limit. */
            public int throughput = 0;
            /** An ACTIVE_TEST goes after this long without a frame from the ISMG. */
            public Duration activeTestInterval = Duration.ofSeconds(30);
            /** Unanswered ACTIVE_TESTs in a row after which the connection is made again. */
            public int activeTestMisses = 3;
            /** A request without response this long: a SUBMIT is then in doubt (not sent again). */
            public Duration responseTimeout = Duration.ofSeconds(10);
            /** Waits before the 1st, 2nd ... connect after a failure or a drop; the last repeats. */
            public List<Duration> reconnectDelays = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));
            /** Lower goes first among all gateways; equal ones in the order listed, SMPP, then CMPP, then HTTP. */
            public int priority = 0;
        }

        /** One cloud SMS provider's HTTP API: the request is written from templates with placeholders (docs/sms.md). */
        public static final class Http {
            public String name = "http";
            /** The request's URL; placeholders are URL-encoded: {to} {toDigits} {from} {text} {id} {ref}. */
            public String url = "";
            public String method = "POST";
            /** Header fields, their values templates too. */
            public Map<String, String> headers = Map.of();
            /** The body template: {@code json} escapes the placeholders for JSON strings, {@code form} URL-encodes them. */
            public String body = "";
            /** {@code json} or {@code form}: the body's content type and how placeholders in it are escaped. */
            public String bodyFormat = "json";
            /** {@code none}, {@code basic} (username/password), {@code bearer} (token) or {@code hmac} (secret: signature header over timestamp and body). */
            public String auth = "none";
            public String username = "";
            public String password = "";
            public String token = "";
            /** The HMAC-SHA256 key of {@code auth: hmac}. */
            public String secret = "";
            /** A 2xx answer is a success only when its body matches this regular expression (empty: any 2xx). */
            public String successPattern = "";
            /** Group 1 of this regular expression in the answer is the provider's message id (empty: the request's {id}). */
            public String messageIdPattern = "";
            /** The sender id or number notices come from ({from}). */
            public String sourceAddress = "";
            /** Digits of the notice's reference appended to sourceAddress (the provider routes replies to it); 0: the reference goes into the text. */
            public int extensionDigits = 0;
            /** A request without an answer this long is in doubt (not sent again). */
            public Duration timeout = Duration.ofSeconds(10);
            /** After a failed request (no connection, 5xx, 429) the gateway is left aside this long, and the next one sends. */
            public Duration downFor = Duration.ofSeconds(30);
            /** The HMAC-SHA256 key the provider signs its webhook calls with; empty: the webhook is refused (never unsigned). */
            public String webhookSecret = "";
            /** A webhook call whose timestamp is further than this from our clock is refused (replay). */
            public Duration webhookMaxSkew = Duration.ofMinutes(5);
            /** The webhook's field names (JSON or form): a receipt has messageIdField and statusField, a reply fromField and textField. */
            public String fromField = "from";
            public String toField = "to";
            public String textField = "text";
            public String messageIdField = "messageId";
            public String statusField = "status";
            /** Receipt statuses that mean delivered (case-insensitive); others in failedStatuses are final failures, the rest not final. */
            public List<String> deliveredStatuses = List.of("delivered", "DELIVRD");
            public List<String> failedStatuses = List.of("failed", "undelivered", "rejected", "expired", "UNDELIV", "REJECTD", "EXPIRED");
            /** Lower goes first among all gateways; equal ones in the order listed, SMPP, then CMPP, then HTTP. */
            public int priority = 0;
        }
    }

    /** Web Push of new INBOX mail to the webmail's subscribed browsers (RFC 8030, 8291, 8292; docs/clients.md). */
    public static final class Push {
        /** Push new mail to subscribed browsers from the active node, and let the webmail subscribe (needs jmap.enabled). */
        public boolean enabled = true;
        /** The VAPID contact (RFC 8292 2.1: a mailto: or https: URI); empty: mailto:postmaster@ the hostname. */
        public String subject = "";
        /** How long a push service keeps a message for a browser that is offline (the TTL header). */
        public Duration ttl = Duration.ofDays(1);
        /** The Urgency header (RFC 8030 5.3): very-low, low, normal or high. */
        public String urgency = "normal";
        /** Longest wait for a push service's answer to one POST. */
        public Duration requestTimeout = Duration.ofSeconds(10);
        /** Waits after the 1st, 2nd ... attempt a push service refused for now (429, 5xx, no answer); a longer Retry-After wins; then the message is given up. */
        public List<Duration> retrySchedule = List.of(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5));
        /** Browsers one account may subscribe at most. */
        public int maxSubscriptionsPerAccount = 10;
        /** Host names (and their subdomains) of the push services we POST to; empty: any. */
        public List<String> endpointHosts = List.of();
        /** Accept http: endpoints (tests against a local push service only; browsers give https). */
        public boolean allowHttpEndpoints = false;
        /** How far ahead a VAPID token's exp lies (RFC 8292: at most 24 hours). */
        public Duration tokenValidity = Duration.ofHours(12);
        /** A message older than this when the consumer sees it pushes nothing (a copy or move of old mail). */
        public Duration maxNoticeAge = Duration.ofHours(1);
    }

    /** Outbound delivery of mail for remote recipients (docs/relay.md). */
    public static final class Relay {
        public Dns dns = new Dns();
        public Dkim dkim = new Dkim();
        /** TCP port of remote MX hosts (25; tests point it at a loopback sink). */
        public int port = 25;
        /** How often the queue is searched for recipients whose next attempt is due. */
        public Duration pollInterval = Duration.ofSeconds(1);
        /** Outgoing SMTP connections at once, all destinations together (Postfix default_process_limit). */
        public int maxConnections = 100;
        /** Outgoing connections at once to one destination domain (Postfix default_destination_concurrency_limit). */
        public int maxConnectionsPerDestination = 20;
        /** Messages sent over one connection before it is closed (connection reuse). */
        public int maxMessagesPerConnection = 100;
        /** Recipients the queue runner claims from the store in one call. */
        public int queueClaimBatch = 500;
        /** Recipients claimed but not yet finished, at most: the runner's work list stays small however big the queue. */
        public int maxRecipientsInFlight = 5000;
        /** Waits after the 1st, 2nd, ... failed attempt; the last one repeats until maxQueueLifetime. */
        public List<Duration> retrySchedule = List.of(Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20),
                Duration.ofMinutes(40), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4));
        /** A recipient still not delivered this long after arrival is bounced (Postfix maximal_queue_lifetime). */
        public Duration maxQueueLifetime = Duration.ofDays(5);
        /** A recipient still waiting this long after arrival gets its sender one delay warning DSN; 0 sends none. */
        public Duration delayWarningTime = Duration.ofHours(4);
        /** A message with this many Received header fields or more is bounced as a loop (Postfix hopcount_limit). */
        public int maxHops = 50;
        /** Timeouts of the SMTP client, RFC 5321 4.5.3.2. */
        public Timeouts timeouts = new Timeouts();
        /** Send everything through one relay host instead of looking up MX records. */
        public Smarthost smarthost = new Smarthost();

        /** RFC 5321 4.5.3.2 defaults, except connect (Postfix smtp_connect_timeout). */
        public static final class Timeouts {
            /** TCP connect to one address. */
            public Duration connect = Duration.ofSeconds(30);
            /** The 220 greeting (4.5.3.2.1). */
            public Duration greeting = Duration.ofMinutes(5);
            /** EHLO, STARTTLS, AUTH, RSET and QUIT replies. */
            public Duration command = Duration.ofMinutes(5);
            /** The reply to MAIL (4.5.3.2.2). */
            public Duration mail = Duration.ofMinutes(5);
            /** The reply to each RCPT (4.5.3.2.3). */
            public Duration rcpt = Duration.ofMinutes(5);
            /** The 354 reply to DATA (4.5.3.2.4). */
            public Duration dataInit = Duration.ofMinutes(2);
            /** Each write of message data (4.5.3.2.5). */
            public Duration dataBlock = Duration.ofMinutes(3);
            /** The reply after the final dot (4.5.3.2.6). */
            public Duration dataTermination = Duration.ofMinutes(10);
        }

        /** A provider's relay host; empty {@code host}: deliver directly by MX. */
        public static final class Smarthost {
            public String host = "";
            public int port = 587;
            /** {@code starttls} (required, not opportunistic) or {@code implicit} (RFC 8314, usually port 465). */
            public SmarthostTls tls = SmarthostTls.STARTTLS;
            /** Check the relay host's certificate against the JDK's trusted roots and its name. */
            public boolean verifyCertificate = true;
            /** AUTH PLAIN (or LOGIN) credentials; empty username: no AUTH. */
            public String username = "";
            public String password = "";
        }

        /** How the relay reaches a smarthost: TLS is required either way, so credentials never go in clear. */
        public enum SmarthostTls {
            STARTTLS, IMPLICIT;

            @com.fasterxml.jackson.annotation.JsonCreator
            public static SmarthostTls parse(String text) {
                return valueOf(text.strip().toUpperCase(java.util.Locale.ROOT));
            }

            @com.fasterxml.jackson.annotation.JsonValue
            public String text() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }
        }

        /** How the relay finds where a domain's mail goes (MX, then A/AAAA). */
        public static final class Dns {
            /** DNS servers to ask, each "host", "host:port" or "[v6]:port"; empty: the nameservers of /etc/resolv.conf. */
            public List<String> servers = List.of();
            /** Time to wait for one answer from a server before asking again (or the next server). */
            public Duration timeout = Duration.ofSeconds(5);
            /** Further attempts after a timed-out query, on top of the first. */
            public int retries = 2;
            /** DNS record sets remembered (each until its TTL runs out), negative answers included. */
            public int cacheSize = 10000;
            /** Longest any answer is cached, whatever its TTL says. */
            public Duration cacheMaxTtl = Duration.ofHours(1);
            /** MX hosts of one domain whose addresses are looked up, most preferred first; the rest are ignored. */
            public int maxMxHosts = 10;
        }

        /**
         * DKIM signing (RFC 6376) of mail sent to remote recipients. A domain is signed when its key
         * file exists: {@code dataDir/dkim/<domain>.<selector>.pem}, written by
         * {@code twinmail admin dkim generate}, or the file named in {@code domains}.
         */
        public static final class Dkim {
            /** Selector used for a domain not listed in {@code domains}. */
            public String selector = "twinmail";
            /** Lifetime of a signature (its x= tag); 0 omits x=. */
            public Duration signatureLifetime = Duration.ZERO;
            /** Per-domain selector and, optionally, key file (for example during a key rotation). */
            public List<DkimDomain> domains = List.of();
        }
    }

    /** A domain's DKIM selector, and its key file when it is not the default path. */
    public static final class DkimDomain {
        public String domain;
        public String selector;
        /** PEM private key (PKCS#8 or traditional RSA); empty: {@code dataDir/dkim/<domain>.<selector>.pem}. */
        public String key = "";

        public DkimDomain() {
        }

        public DkimDomain(String domain, String selector, String key) {
            this.domain = domain;
            this.selector = selector;
            this.key = key;
        }
    }

    /** Full-text search (module search; docs/imap.md, "Search"). */
    public static final class Search {
        /** Keep a full-text index in {@code dataDir/index} for IMAP SEARCH's text keys (and JMAP); false: SEARCH parses every message. */
        public boolean enabled = true;
        /** Characters of one header section, body text or field value indexed; a message with a longer one is searched by parsing it. */
        public int maxIndexedChars = 1_000_000;
        /** Most change-log entries the index updater handles per commit of the index. */
        public int batchSize = 500;
        /**
         * While mail flows, the least time between two commits of the index: changes that come meanwhile
         * go into one commit (fewer, larger segments: less flushing and merging per message). 0: commit each wake.
         */
        public java.time.Duration commitInterval = java.time.Duration.ofSeconds(1);
    }

    /** The embedded store. */
    public static final class Store {
        /** Most write operations merged into one transaction and one fsync. */
        public int groupCommitMaxBatch = 256;
        /** Messages up to this size are stored inside the database, larger ones as files (measured in docs/store.md). */
        public Size inlineBlobMaxSize = Size.of("128K");
        /** Platform threads that run store reads (SQLite is native code and pins a virtual thread's carrier). */
        public int readThreads = 4;
        /** Received messages are held in memory up to this size, then spooled to a file. */
        public Size spoolMemoryLimit = Size.of("1M");
        /** How many aliases deep recipient resolution follows; an address deeper stands for itself. */
        public int aliasMaxDepth = 8;
        /** Most targets (fan-out) one alias may have. */
        public int aliasMaxTargets = 1000;
    }

    /** Password checks. */
    public static final class Auth {
        /** Argon2id memory cost for new hashes, in KiB. */
        public int argon2MemoryKiB = 19 * 1024;
        /** Argon2id passes for new hashes. */
        public int argon2Iterations = 2;
        /**
         * The fewest characters a user's password may have when it is set (admin CLI and REST API, the
         * console, the webmail's password change); a password equal to the address or its local part is
         * refused whatever its length.
         */
        public int minPasswordLength = org.twinmail.core.auth.PasswordPolicy.DEFAULT_MIN_LENGTH;
        /**
         * How long a verified password is remembered (as a salted SHA-256 in memory) to spare Argon2 on
         * every login; 0 disables. An hour, as Dovecot's auth_cache_ttl: a changed password changes the
         * stored hash and stops matching at once, so the lifetime bounds only memory (one entry per account).
         */
        public Duration credentialCacheTtl = Duration.ofHours(1);
        /**
         * When PLAIN and LOGIN (which carry the password) are offered without TLS: {@code never},
         * {@code loopback} (only to clients on this machine, whose traffic never leaves the kernel) or
         * {@code always}.
         */
        public PlaintextAuth plaintextAuth = PlaintextAuth.LOOPBACK;
        /** Failed logins on one connection (any protocol) before it is closed. */
        public int maxFailuresPerConnection = 10;
        /** Delay before answering the first failed login from an address; doubles with each further one. */
        public Duration failureDelay = Duration.ofMillis(500);
        /** Longest delay before answering a failed login. */
        public Duration maxFailureDelay = Duration.ofSeconds(8);
        /** Failed logins counted per address and per account over this window. */
        public Duration failureWindow = Duration.ofMinutes(10);
        /** Failed logins from one address (IPv4, or IPv6 /64) within the window that ban it; 0 never bans. */
        public int banAfterFailures = 10;
        /** Successive bans of one address last these times (the last one repeats). */
        public List<Duration> banDurations = List.of(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofHours(24));
        /** An address not banned for this long starts again at the first ban duration. */
        public Duration banForgetAfter = Duration.ofDays(1);
        /** A successful login from an address exempts it from its account's failure delay for this long. */
        public Duration knownClientTime = Duration.ofDays(7);
        /** Networks never banned nor delayed (address/prefix); loopback is not exempt unless listed. */
        public List<String> banExemptNetworks = List.of();
    }

    /**
     * Connection limits of every listener (SMTP, submission, POP3, IMAP and their TLS ports); each
     * service counts its own connections (the plain and implicit-TLS ports of one service together).
     */
    public static final class Limits {
        /** Connections at once from one IPv4 address. */
        public int maxConnectionsPerIp = 50;
        /** Connections at once from one IPv4 /24. */
        public int maxConnectionsPerIpv4Net = 200;
        /** Connections at once from one IPv6 /64 (one host may use all of it). */
        public int maxConnectionsPerIpv6Net = 50;
        /** New connections per minute from one IPv4 address or IPv6 /64 (a token bucket as deep as a minute's); 0: no limit. */
        public int connectionsPerMinute = 300;
        /** Client networks (address/prefix) exempt from the limits above: a known NAT, the webmail host. */
        public List<String> exemptNetworks = List.of();
        /** Stress mode starts when a listener's free slots fall below this percentage and ends at twice it. */
        public int stressFreePercent = 10;
        /** Under stress, the time a client that has not logged in gets for a command (Postfix's 10 s). */
        public Duration stressTimeout = Duration.ofSeconds(10);
    }

    /** External content scanners, run as checks at the end of DATA (docs/filter.md, "Content scanners"). */
    public static final class Filter {
        public ClamAv clamav = new ClamAv();
        public SpamScanner spamd = new SpamScanner();
        public SpamScanner rspamd = new SpamScanner();
        public Authentication authentication = new Authentication();
        public Dnsbl dnsbl = new Dnsbl();
        public Greylist greylist = new Greylist();
        public ReverseDns reverseDns = new ReverseDns();
        public Pregreet pregreet = new Pregreet();
        public Content content = new Content();
        public OutboundHold outboundHold = new OutboundHold();
        public QuarantineDigest quarantineDigest = new QuarantineDigest();
        public Quarantine quarantine = new Quarantine();
    }

    /** The administrator's quarantine. */
    public static final class Quarantine {
        /** How long a held message is kept before it is removed (0: until the administrator removes it). */
        public Duration retention = Duration.ofDays(30);
    }

    /**
     * The built-in content score on the MX (docs/filter.md, "Content score"): rules on the
     * header, body, links and attachments, plus a Bayes classifier trained from the users' Junk
     * folders and their {@code $Junk}/{@code $NotJunk} keywords. The thresholds apply to the sum;
     * each must be at least the one before ({@code tagScore <= junkScore <= quarantineScore <= rejectScore}).
     */
    public static final class Content {
        public boolean enabled = true;
        /** Octets of a message read for scoring; the rest of a larger message is not looked at. */
        public Size maxSize = Size.of("1M");
        /** From this score, X-Spam-Flag, X-Spam-Score and X-Spam-Status are added. */
        public double tagScore = 4.0;
        /** From this score, the message goes into the recipients' Junk, flagged $Junk. */
        public double junkScore = 6.0;
        /** From this score, the message is held in the administrator's quarantine. */
        public double quarantineScore = 12.0;
        /** From this score, the message is refused at DATA (554 5.7.1). */
        public double rejectScore = 20.0;
        /** A user's spam level "strict" (webmail settings, admin user spam-level): Junk from this score for that user. */
        public double strictJunkScore = 3.0;
        /** A user's spam level "lenient": Junk from this score for that user. */
        public double lenientJunkScore = 10.0;
        /** A rule's score in place of its built-in one ({@code URL_SHORTENER: 0.5}); 0 turns a rule off. */
        public java.util.Map<String, Double> scores = java.util.Map.of();
        /** Charsets of encoded words in the Subject that are not unusual here (anything else: SUBJECT_CHARSET_UNUSUAL). */
        public List<String> usualCharsets = List.of("us-ascii", "utf-8", "iso-8859-1", "iso-8859-15", "windows-1252");
        /** Hosts of URL shorteners (URL_SHORTENER). */
        public List<String> urlShorteners = List.of("bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly",
                "cutt.ly", "rebrand.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "t.ly", "v.gd");
        public Bayes bayes = new Bayes();
    }

    /**
     * Outbound anomaly hold on submission (docs/filter.md, "Outbound anomaly hold"): an
     * authenticated account that suddenly sends far more than its usual rate, or whose mail
     * bounces a lot, has its further outbound mail held in the quarantine, and postmaster is told.
     */
    public static final class OutboundHold {
        public boolean enabled = true;
        /** Messages within {@code window} an account may always send, whatever its history. */
        public int minMessages = 100;
        /** Held when the messages of the last {@code window} exceed this many times its usual rate for one window. */
        public double rateFactor = 10.0;
        /** The recent window (an hour by default). */
        public Duration window = Duration.ofHours(1);
        /** Bounces (DSNs to the account) within {@code window} from which it is held. */
        public int maxBounces = 20;
        /** Where the alert goes; empty: {@code postmaster@} the host name. */
        public String alertTo = "";
        /**
         * How often the accounts' rates are written to the store (records {@code outbound.rate}, a few
         * shards in one pass, not one write per message), so a restart or a takeover keeps them; also at
         * a clean stop. At least 1s.
         */
        public Duration saveInterval = Duration.ofMinutes(1);
    }

    /** The daily digest of the administrator's quarantine to each user with held mail (on the active node). */
    public static final class QuarantineDigest {
        public boolean enabled = true;
        /** The UTC hour from which the day's digest goes out (0 to 23). */
        public int hour = 8;
        /** How a user has a message released, as the digest says it; empty: write to postmaster with the message's id. */
        public String releaseHint = "";
    }

    /** The Bayes classifier of the content score (Robinson-Fisher over word tokens, as SpamAssassin and rspamd). */
    public static final class Bayes {
        public boolean enabled = true;
        /** Spam messages learned before the classifier speaks (SpamAssassin: 200). */
        public int minSpam = 200;
        /** Ham messages learned before the classifier speaks. */
        public int minHam = 200;
        /** Tokens kept in all (the rarest dropped first when a shard is full). */
        public int maxTokens = 1_000_000;
        /** Learn from messages moved into or out of Junk and from the $Junk/$NotJunk keywords (a change-log consumer on the active node). */
        public boolean learn = true;
    }


    /**
     * Greylisting at RCPT on the MX (triplets of client /24 or /64, sender, recipient). Off by
     * default: it delays the first mail of every new correspondent by at least {@code delay}, which
     * a new installation should choose knowingly; the DNSBL, the rules and the scanners do not.
     */
    public static final class Greylist {
        public boolean enabled = false;
        /** A retry of a triplet passes only this long after it was first seen; before, 451 again. */
        public Duration delay = Duration.ofMinutes(5);
        /** A triplet not retried within this is forgotten (the next attempt starts again). */
        public Duration retryWindow = Duration.ofDays(2);
        /** A triplet that passed is let through without delay for this long after its last message. */
        public Duration passTime = Duration.ofDays(35);
        /** A client network with this many triplets passed is no longer greylisted; 0: never. */
        public int autoAllowAfter = 5;
        /** Entries kept per table (triplets, clients, domains), the oldest dropped first. */
        public int maxEntries = 100_000;
        /** Client addresses and CIDR ranges never greylisted (besides {@code smtp.relayNetworks}). */
        public List<String> allowNetworks = List.of();
    }

    /**
     * Reverse DNS of the MX's clients at the connect: an address without a PTR record, or whose
     * PTR names do not resolve back to it (forward-confirmed reverse DNS, FCrDNS). Each case gets
     * an action: {@code none}, {@code tag} (an {@code X-Reverse-DNS} header field), {@code junk}
     * (the recipients' Junk) or {@code reject} (550 5.7.25; a DNS failure then answers 450 4.7.25).
     * Off while both are {@code none}, the default: many honest small servers have no FCrDNS.
     */
    public static final class ReverseDns {
        /** The client's address has no PTR record (NXDOMAIN or no data). */
        public String missing = "none";
        /** None of the PTR names (at most 10) has an A or AAAA record equal to the client's address. */
        public String mismatch = "none";
        /** Addresses and CIDR ranges never checked ({@code smtp.relayNetworks} are not checked either). */
        public List<String> allowNetworks = List.of("127.0.0.0/8", "::1");
    }

    /**
     * Early-talker test at the MX's connect, as Postfix postscreen's greet wait: the server waits
     * {@code wait} before its greeting, and a client that sends anything in that time (a bot
     * that does not wait for the 220) is refused with 554 5.5.1 and disconnected (reason
     * {@code pregreet}). Off by default: when on, every client outside {@code allowNetworks} and
     * {@code smtp.relayNetworks} waits {@code wait} for the greeting.
     */
    public static final class Pregreet {
        public boolean enabled = false;
        /** How long the greeting is held back (postscreen: 6 s, 2 s under stress); at most 10 s. */
        public Duration wait = Duration.ofSeconds(1);
        /** Clients greeted at once, never tested. */
        public List<String> allowNetworks = List.of("127.0.0.0/8", "::1");
    }

    /** DNS block lists at the connect of the MX, scored as postscreen does; off while {@code lists} is empty. */
    public static final class Dnsbl {
        /** {@code zone}, {@code zone*weight}, {@code zone=127.0.0.2*weight}, {@code zone=127.0.0.[2;4]}; a negative weight allow-lists. */
        public List<String> lists = List.of();
        /** Total weight from which the client is refused (554 5.7.1). */
        public int threshold = 1;
        /** Addresses and CIDR ranges never looked up. */
        public List<String> allowNetworks = List.of();
    }

    /**
     * SPF (RFC 7208), DKIM verification (RFC 6376) and DMARC (RFC 7489) on the MX, with the
     * DNS of {@code relay.dns}, and an Authentication-Results field (RFC 8601) on every message
     * delivered. Off by default: every message then costs DNS queries, and a host without a
     * working resolver would wait {@code relay.dns.timeout} on each.
     */
    public static final class Authentication {
        /** Evaluate SPF, DKIM and DMARC and add Authentication-Results (authserv-id: {@code hostname}). */
        public boolean enabled = false;
        /** SPF fail (-all) refused at MAIL FROM with 550 5.7.23; off: only recorded (DMARC decides). */
        public boolean spfRejectFail = false;
        /** DKIM signatures of one message evaluated, top first; each costs a DNS query. */
        public int maxDkimSignatures = 8;
        /** Honour the sender domain's DMARC policy: p=reject refused with 550 5.7.1, p=quarantine filed into Junk. */
        public boolean dmarcEnforce = true;
        /**
         * A From in one of our domains, from a client that neither authenticated nor is in
         * {@code smtp.relayNetworks}, without an aligned SPF or DKIM pass: refused with 550 5.7.1.
         */
        public boolean refuseForgedLocalFrom = true;
        /**
         * Send DMARC aggregate reports (RFC 7489 7.2) once a day to the domains that ask for them
         * (rua=), through the outbound queue; counted only while {@code enabled}.
         */
        public boolean aggregateReports = true;
        /** The reports' From and envelope sender; empty: {@code postmaster@} the host name. */
        public String reportFrom = "";
    }

    /** ClamAV's clamd, asked over INSTREAM on every message of the MX and submission. */
    public static final class ClamAv {
        /** {@code unix:/path} (or an absolute path) or {@code host:port}; empty (the default): no virus scanning. */
        public String address = "";
        /** Time to connect to clamd. */
        public Duration connectTimeout = Duration.ofSeconds(5);
        /** Time for one whole scan (sending the message and reading the answer). */
        public Duration timeout = Duration.ofSeconds(60);
        /**
         * Largest message sent to clamd; a larger one is delivered unscanned with an
         * {@code X-Virus-Scan} field and the reason {@code virus_unscanned_size}. Keep it at or
         * below clamd's StreamMaxLength: a message over that answers as a scanner failure.
         */
        public Size maxSize = Size.of("25M");
        /** An infected message: {@code reject} (554 5.7.1 at DATA) or {@code quarantine}. */
        public ScanAction action = ScanAction.REJECT;
        /** clamd unreachable, timed out or in error: {@code tempfail} (451 4.7.1, the client retries) or {@code accept} (unscanned, marked, counted). */
        public OnFailure onFailure = OnFailure.TEMPFAIL;
    }

    /**
     * A spam scanner asked on every message of the MX: SpamAssassin's spamd ({@code filter.spamd},
     * SPAMC/1.5 SYMBOLS) or rspamd ({@code filter.rspamd}, HTTP /checkv2); the same settings for both.
     */
    public static final class SpamScanner {
        /** {@code unix:/path} (or an absolute path) or {@code host:port}; empty (the default): not asked. */
        public String address = "";
        /** Time to connect to the scanner. */
        public Duration connectTimeout = Duration.ofSeconds(5);
        /** Time for one whole scan. */
        public Duration timeout = Duration.ofSeconds(30);
        /** Larger messages are not sent to the scanner (spamc's own limit is 500K). */
        public Size maxSize = Size.of("500K");
        /** Score from which X-Spam-Status, X-Spam-Score and X-Spam-Flag are added. */
        public double tagScore = 3.0;
        /** Score from which the message goes into the recipients' Junk, flagged $Junk. */
        public double junkScore = 5.0;
        /** Score from which the message is refused at DATA (554 5.7.1). */
        public double rejectScore = 15.0;
        /** The scanner unreachable, timed out or in error: {@code accept} (fail-open, the default) or {@code tempfail} (fail-closed, 451 4.7.1). */
        public OnFailure onFailure = OnFailure.ACCEPT;
    }

    /** What a scanner's finding does to the message. */
    public enum ScanAction {
        REJECT, QUARANTINE;

        @com.fasterxml.jackson.annotation.JsonCreator
        public static ScanAction parse(String text) {
            return valueOf(text.strip().toUpperCase(java.util.Locale.ROOT));
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What a scanner that cannot answer does to the message: refuse it for now, or let it pass unscanned. */
    public enum OnFailure {
        TEMPFAIL, ACCEPT;

        @com.fasterxml.jackson.annotation.JsonCreator
        public static OnFailure parse(String text) {
            return valueOf(text.strip().toUpperCase(java.util.Locale.ROOT));
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** See {@link Auth#plaintextAuth}. */
    public enum PlaintextAuth {
        NEVER, LOOPBACK, ALWAYS;

        @com.fasterxml.jackson.annotation.JsonCreator
        public static PlaintextAuth parse(String text) {
            return valueOf(text.strip().toUpperCase(java.util.Locale.ROOT));
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Hot-standby pair on shared storage (docs/cluster.md). Off while {@code nodeId} is
     * empty: the node then serves alone exactly as without this section.
     */
    public static final class Cluster {
        /** This node's name in the pair (for example "a"); empty runs a single node. */
        public String nodeId = "";
        /** The other node's name. */
        public String peerId = "";
        /** This node's slot in the lease area: 0 or 1, different on the two nodes. */
        public int slot = 0;
        /** Node-local directory (not on the shared volume) for the run file and the node lock. */
        public String stateDir = "";
        /** Raw lease area both nodes open (a small block device or a file), written with direct I/O. */
        public String leaseDevice = "";
        /** Heartbeat channels, at least two: "name bindHost:port peerHost:port", for example "private 10.77.1.1:7946 10.77.1.2:7946". */
        public List<String> channels = List.of();
        /**
         * File with the pair's shared heartbeat secret (at least 16 bytes, the same file on both nodes, mode 0600):
         * every heartbeat datagram carries an HMAC-SHA256 and a sequence number, and forged or replayed ones are
         * dropped and counted. Empty: heartbeats are not authenticated (a warning at start).
         */
        public String heartbeatSecretFile = "";
        /** Interval of UDP heartbeats and lease renewals. */
        public Duration heartbeatInterval = Duration.ofMillis(200);
        /** A lease not renewed for this long (by the reader's own monotonic clock) has expired. */
        public Duration leaseTime = Duration.ofSeconds(3);
        /** The active stops serving when it has not renewed for leaseTime minus this margin. */
        public Duration selfFenceMargin = Duration.ofSeconds(1);
        /** Shell command run before the store is opened on takeover (mount the volume); empty for none. */
        public String acquireHook = "";
        /** Shell command run after the store is closed on release (unmount the volume); empty for none. */
        public String releaseHook = "";
        /** Shell command run against the old active before takeover (STONITH); empty for none. */
        public String fenceCommand = "";
        /**
         * Shell command asking the fence device for the peer's power status (fence-agents' {@code -o status}): exit code 2
         * means powered off. Run when the active peer is silent on the lease and on every heartbeat channel for two
         * intervals; "off" lets the standby fence and take over without waiting for the lease. Empty for none.
         */
        public String fenceStatusCommand = "";
        /** Longest time a hook or the fence command may run. */
        public Duration hookTimeout = Duration.ofSeconds(20);
        /** Virtual IP with prefix length, for example "10.77.0.100/24"; empty for none. */
        public String vip = "";
        /** Interface the virtual IP is added to. */
        public String vipInterface = "eth0";
        /** Take the service back when this node returns (off: the surviving node keeps it). */
        public boolean failback = false;
        /** Interval of the protocol health probes of the active node's own services. */
        public Duration healthInterval = Duration.ofSeconds(1);
        /** A probe that has not completed by then has failed (a hung server completes TCP handshakes). */
        public Duration healthTimeout = Duration.ofSeconds(1);
        /** Consecutive failed probes after which the active hands the service over. */
        public int healthFailures = 3;
        /**
         * Hosts on the public network pinged to tell an isolated node from a healthy one; the active hands over when it
         * reaches none and its peer reaches one. Empty with a VIP: the default gateway(s) of the VIP's interface (a pair
         * with neither refuses to start).
         */
        public List<String> pingTargets = List.of();
    }

    private static String defaultHostname() {
        try {
            String name = InetAddress.getLocalHost().getCanonicalHostName();
            return name == null || name.isBlank() ? "localhost" : name;
        } catch (Exception e) {
            return "localhost";
        }
    }
}
