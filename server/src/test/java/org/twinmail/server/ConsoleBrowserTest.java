package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminOperations.AdminCreated;
import org.twinmail.admin.Totp;
import org.twinmail.core.config.TwinmailConfig;

/**
 * The admin console in real headless Chromium against a running node: a global administrator
 * logs in with TOTP, creates a domain, an account and a domain administrator; the domain
 * administrator sees only their domain and is refused another's; mail over SMTP shows in the
 * traffic chart; the audit log shows each action. Screenshots of every page, desktop and phone,
 * go to web/target/screenshots.
 */
class ConsoleBrowserTest {
    static final String ROOT_PASSWORD = "root password 1";
    static final String DORA_PASSWORD = "dora password 1";

    @TempDir
    Path data;
    TwinmailServer server;
    ConsoleBrowser console;
    WebDriver browser;
    WebDriverWait wait;
    String base;

    @BeforeEach
    void start() throws Exception {
        TwinmailConfig config = TestConfigs.loopback(data);
        config.console.sampleInterval = Duration.ofMillis(250);
        server = TwinmailServer.start(config);
        base = "http://127.0.0.1:" + server.httpAddresses().getFirst().getPort();
        console = new ConsoleBrowser(base, Duration.ofSeconds(15));
        browser = console.driver;
        wait = console.wait;
    }

    @AfterEach
    void stop() {
        if (console != null) console.close();
        if (server != null) server.close();
    }

    @Test
    void administratorsManageTheirDomainsAndSeeTrafficAndTheAuditLog() throws Exception {
        AdminCreated root;
        RunFile run = RunFile.read(server.runDir()).orElseThrow();
        try (AdminClient api = new AdminClient(run.uri(), run.token())) {
            root = api.addAdmin("root", ROOT_PASSWORD.toCharArray(), "global", null); // as twinmail admin admins add does
            api.addDomain("other.org");
        }
        long now = Instant.now().getEpochSecond();

        // a global administrator logs in with password and TOTP
        browser.get(base + "/console/");
        shoot("login");
        login("root", ROOT_PASSWORD, Totp.code(root.totpSecret(), now));
        assertThat(text(By.id("who"))).contains("root (global administrator)");

        // creates a domain
        page("domains");
        type("add-domain-name", "example.org");
        click("add-domain-submit");
        waitFor(By.cssSelector("#domains tr[data-domain='example.org']"));
        assertThat(text(By.id("notice"))).isEqualTo("Added domain example.org");
        shootBoth("domains");

        // and an account in it
        page("users?domain=example.org");
        type("add-user-address", "alice@example.org");
        type("add-user-password", "alice password");
        type("add-user-quota", "2G");
        click("add-user-submit");
        waitFor(By.cssSelector("#users tr[data-user='alice@example.org']"));
        assertThat(text(By.cssSelector("#users tr[data-user='alice@example.org']"))).contains("0 of 2.0 GiB");
        shootBoth("users");

        // bulk import from a CSV file: each row's outcome shown, a bad row named with its line
        Path csv = data.resolve("accounts.csv");
        Files.writeString(csv, "address,password,quota\nbulk1@example.org,bulk password,1G\nbulk2@example.org,,\n");
        browser.findElement(By.id("import-file")).sendKeys(csv.toString());
        click("import-csv");
        waitFor(By.id("import-rows"));
        assertThat(text(By.id("notice"))).isEqualTo("1 created, 0 changed, 1 failed");
        assertThat(text(By.id("import-rows"))).contains("bulk1@example.org created",
                "3 bulk2@example.org error account bulk2@example.org does not exist; a new account needs a password");
        shootBoth("users-import");

        // disable an account, and make an app password for another (shown once)
        page("users?domain=example.org");
        click("apps-alice@example.org");
        type("add-app-password-name", "phone");
        click("add-app-password-submit");
        assertThat(waitFor(By.id("app-password-value")).getDomAttribute("data-password")).matches("[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}");
        shootBoth("users-app-passwords");
        browser.navigate().refresh(); // the imported accounts in the list
        waitFor(By.cssSelector("#page[data-ready='true']"));
        click("toggle-bulk1@example.org");
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> "false".equals(d.findElement(By.cssSelector("#users tr[data-user='bulk1@example.org']")).getDomAttribute("data-enabled")));

        page("aliases?domain=example.org");
        type("add-alias-source", "team@example.org");
        type("add-alias-targets", "alice@example.org");
        click("add-alias-submit");
        waitFor(By.cssSelector("#aliases tr[data-alias='team@example.org']"));
        shootBoth("aliases");

        // and a domain administrator of example.org
        page("admins");
        type("add-admin-name", "dora");
        type("add-admin-password", DORA_PASSWORD);
        type("add-admin-role", "domain");
        type("add-admin-domains", "example.org");
        click("add-admin-submit");
        WebElement secret = waitFor(By.id("totp-value"));
        String doraSecret = secret.getDomAttribute("data-secret");
        waitFor(By.cssSelector("#admins tr[data-admin='dora']"));
        shootBoth("admins");

        // mail flows over SMTP
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        Session s = Session.getInstance(p);
        for (String to : List.of("alice@example.org", "team@example.org")) {
            MimeMessage m = new MimeMessage(s);
            m.setFrom(new InternetAddress("friend@remote.example"));
            m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
            m.setSubject("hello");
            m.setText("hi");
            Transport.send(m);
        }
        // ... and the traffic chart shows it (the sampler writes every 250 ms here; the page reads what is stored)
        page("traffic?range=hour");
        wait.until(d -> {
            if (Integer.parseInt(d.findElement(By.id("received-total")).getText()) >= 2) return true;
            d.navigate().refresh();
            waitFor(By.cssSelector("#page[data-ready='true']"));
            return false;
        });
        assertThat(text(By.id("received-total"))).isEqualTo("2");
        assertThat(Integer.parseInt(browser.findElement(By.id("chart-messages")).getDomAttribute("data-points"))).isPositive();
        assertThat(browser.findElements(By.cssSelector("#chart-messages canvas"))).isNotEmpty();
        shootBoth("traffic");

        page("pair");
        assertThat(text(By.id("pair-nodes"))).contains("mx.test.example: ACTIVE at epoch");
        for (String other : List.of("queue", "quarantine", "bans", "rules", "dkim?domain=example.org", "tls", "pair")) {
            page(other);
            shootBoth(other.replaceAll("\\?.*", ""));
        }

        // the domain administrator sees their domain only
        click("logout");
        waitFor(By.id("login-name"));
        login("dora", DORA_PASSWORD, Totp.code(doraSecret, Instant.now().getEpochSecond()));
        assertThat(text(By.id("who"))).contains("dora (administrator of example.org)");
        page("domains");
        assertThat(browser.findElements(By.cssSelector("#domains tbody tr"))).extracting(e -> e.getDomAttribute("data-domain"))
                .containsExactly("example.org");
        assertThat(text(By.id("nav"))).doesNotContain("Traffic", "Audit log", "Administrators");
        assertThat(browser.findElements(By.cssSelector("#add-domain"))).isEmpty();
        page("users?domain=other.org"); // typed into the address bar
        assertThat(text(By.id("notice"))).isEqualTo("dora does not manage other.org");
        assertThat(browser.findElements(By.cssSelector("#users tbody tr"))).isEmpty();
        shootBoth("domain-admin");
        click("logout");
        waitFor(By.id("login-name"));

        // the audit log shows each action (root logs in again with the next step's code: each code works once)
        login("root", ROOT_PASSWORD, Totp.code(root.totpSecret(), now + Totp.STEP_SECONDS));
        page("audit");
        String audit = text(By.id("audit"));
        assertThat(audit).contains("POST /api/admin/domains", "domains/example.org", "POST /api/admin/users", "users/alice@example.org",
                "POST /api/admin/aliases", "POST /api/admin/admins", "admins/dora", "login", "logout", "dora", "403",
                "POST /api/admin/import/users", "users/alice@example.org/app-passwords/phone", "PATCH /api/admin/users/bulk1%40example.org", "users/bulk1@example.org",
                "dora does not manage other.org", "GET /api/admin/users");
        shootBoth("audit");
    }

    @Test
    void theTopSendersOfTheDayShowTheAccountThatSendsMost() throws Exception {
        AdminCreated root;
        AdminCreated dora;
        RunFile run = RunFile.read(server.runDir()).orElseThrow();
        try (AdminClient api = new AdminClient(run.uri(), run.token())) {
            root = api.addAdmin("root", ROOT_PASSWORD.toCharArray(), "global", null);
            api.addDomain("example.org");
            api.addDomain("other.org");
            dora = api.addAdmin("dora", DORA_PASSWORD.toCharArray(), "domain", List.of("example.org"));
            for (String u : List.of("alice@example.org", "bob@example.org", "carol@other.org")) api.addUser(u, (u + " secret").toCharArray(), 0, 0);
        }
        // two accounts send over SMTP submission: bob three messages, alice one
        Session s = AccountTrafficEndToEndTest.session(server);
        for (int i = 0; i < 3; i++) AccountTrafficEndToEndTest.submit(s, "bob@example.org", "carol@other.org", "spam " + i);
        AccountTrafficEndToEndTest.submit(s, "alice@example.org", "bob@example.org", "hello");

        // the domain administrator sees their domain's list, bob first
        browser.get(base + "/console/");
        login("dora", DORA_PASSWORD, Totp.code(dora.totpSecret(), Instant.now().getEpochSecond()));
        page("top");
        assertThat(browser.findElements(By.cssSelector("#top-domain option"))).extracting(e -> e.getDomAttribute("value")).containsExactly("example.org");
        assertThat(browser.findElements(By.cssSelector("#top-senders tbody tr"))).extracting(e -> e.getDomAttribute("data-account"),
                e -> e.getDomAttribute("data-messages")).containsExactly(org.assertj.core.groups.Tuple.tuple("bob@example.org", "3"),
                org.assertj.core.groups.Tuple.tuple("alice@example.org", "1"));
        assertThat(browser.findElements(By.cssSelector("#top-receivers tbody tr"))).extracting(e -> e.getDomAttribute("data-account"))
                .containsExactly("bob@example.org");
        shootBoth("top-domain-admin");
        page("domains");
        page("top?domain=other.org"); // typed into the address bar
        assertThat(text(By.id("notice"))).isEqualTo("dora does not manage other.org");
        assertThat(browser.findElements(By.cssSelector("#top-senders tbody tr"))).isEmpty();
        click("logout");
        waitFor(By.id("login-name"));

        // a global administrator sees every domain's: carol received the most
        login("root", ROOT_PASSWORD, Totp.code(root.totpSecret(), Instant.now().getEpochSecond()));
        page("top?domain=");
        assertThat(browser.findElements(By.cssSelector("#top-receivers tbody tr"))).extracting(e -> e.getDomAttribute("data-account"),
                e -> e.getDomAttribute("data-messages")).containsExactly(org.assertj.core.groups.Tuple.tuple("carol@other.org", "3"),
                org.assertj.core.groups.Tuple.tuple("bob@example.org", "1"));
        assertThat(text(By.id("top-senders"))).contains("bob@example.org", "alice@example.org");
        shootBoth("top");
        // another day: nothing
        page("domains");
        page("top?domain=example.org&day=2020-01-01");
        assertThat(text(By.id("top-senders-none"))).isEqualTo("No messages on 2020-01-01.");
    }

    @Test
    void aUsersChangesToTheirOwnSettingsAreInTheAuditLog() throws Exception {
        AdminCreated root;
        RunFile run = RunFile.read(server.runDir()).orElseThrow();
        try (AdminClient api = new AdminClient(run.uri(), run.token())) {
            root = api.addAdmin("root", ROOT_PASSWORD.toCharArray(), "global", null);
            api.addDomain("example.org");
            api.addUser("alice@example.org", "alice's password".toCharArray(), 0, 0);
        }
        // alice, in the webmail's settings: forwarding, a blocked sender, a refused password change (too short)
        java.net.http.HttpClient web = java.net.http.HttpClient.newHttpClient();
        String csrf = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                webmail(web, "login", null, "{\"username\":\"alice@example.org\",\"password\":\"alice's password\"}", 200)).path("csrfToken").asText();
        assertThat(cookie).isNotNull();
        webmail(web, "settings/forwarding", csrf, "{\"to\":[\"alice@elsewhere.example\"],\"keepCopy\":true}", 200);
        webmail(web, "settings/senders", csrf, "{\"pattern\":\"spam@junk.example\",\"action\":\"reject\"}", 200);
        webmail(web, "settings/password", csrf, "{\"current\":\"alice's password\",\"password\":\"short\"}", 400);
        try (AdminClient api = new AdminClient(run.uri(), run.token())) {
            List<org.twinmail.admin.AdminOperations.AuditEntry> log = api.audit(10, null, "alice@example.org", null);
            assertThat(log).extracting(e -> e.action(), e -> e.via(), e -> e.target(), e -> e.domain(), e -> e.status(), e -> e.outcome()).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("POST /mail/api/settings/password", "webmail", "users/alice@example.org", "example.org", 400,
                            "the password must be at least 10 characters long (it has 5)"),
                    org.assertj.core.groups.Tuple.tuple("POST /mail/api/settings/senders", "webmail", "users/alice@example.org", "example.org", 200, "ok"),
                    org.assertj.core.groups.Tuple.tuple("POST /mail/api/settings/forwarding", "webmail", "users/alice@example.org", "example.org", 200, "ok"));
            assertThat(log.getFirst().client()).isEqualTo("127.0.0.1");
            assertThat(log.toString()).doesNotContain("short"); // the body, with its passwords, is never written
        }
        // and the console's audit page shows them beside the administrators' actions
        browser.get(base + "/console/");
        login("root", ROOT_PASSWORD, Totp.code(root.totpSecret(), Instant.now().getEpochSecond()));
        page("audit");
        assertThat(text(By.id("audit"))).contains("alice@example.org", "webmail", "POST /mail/api/settings/forwarding",
                "POST /mail/api/settings/senders", "the password must be at least 10 characters long (it has 5)", "POST /api/admin/users");
        shootBoth("audit-webmail");
    }

    /** The webmail session's cookie ({@code name=value}) once logged in. */
    String cookie;

    /** A request to the webmail's API as its page sends it (JSON, the CSRF token once logged in); the body. */
    String webmail(java.net.http.HttpClient web, String path, String csrf, String json, int status) throws Exception {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/mail/api/" + path))
                .header("Content-Type", "application/json").header("Origin", base)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json));
        if (csrf != null) b.header("X-CSRF-Token", csrf);
        if (cookie != null) b.header("Cookie", cookie); // the session cookie is Secure: a browser sends it to loopback, the JDK's cookie store does not
        java.net.http.HttpResponse<String> r = web.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        r.headers().firstValue("Set-Cookie").ifPresent(c -> cookie = c.split(";", 2)[0]);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
        return r.body();
    }

    // ---- browser steps: every wait is on a condition, with a deadline (ConsoleBrowser) ----

    void login(String name, String password, String code) {
        console.login(name, password, code);
    }

    void page(String hash) {
        console.page(hash);
    }

    WebElement waitFor(By by) {
        return console.waitFor(by);
    }

    void type(String id, String text) {
        console.type(id, text);
    }

    void click(String id) {
        console.click(id);
    }

    String text(By by) {
        return console.text(by);
    }

    void shootBoth(String name) throws Exception {
        console.shootBoth(name);
    }

    void shoot(String name) throws Exception {
        console.shoot(name);
    }
}
