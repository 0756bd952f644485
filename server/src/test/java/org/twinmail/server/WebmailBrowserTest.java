package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import jakarta.mail.BodyPart;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The webmail in a real headless Chromium (Debian's, through its chromedriver) against a node
 * started here, mail coming in over SMTP and checked over IMAP: login, reading, reply with an
 * attachment, live updates by push, the Chinese UI with a GB2312 message, the phone layout,
 * a corpus of hostile HTML (no script runs, no request leaves the page), CSRF and cookie flags.
 * Every wait is for a condition, with a deadline. Screenshots go to web/target/screenshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebmailBrowserTest {
    static final String ALICE = "alice@web.example";
    static final String BOB = "bob@web.example";
    /** The multi-select test's own account: selecting everything must not take other tests' mail. */
    static final String CAROL = "carol@web.example";
    /** The settings test's account (its password, forwarding, rules and vacation change), with a 10 MB quota. */
    static final String DAVE = "dave@web.example";
    /** The identities test's account, with an alias that leads only to it (a second identity). */
    static final String ERIN = "erin@web.example";
    static final String ERIN_ALIAS = "sales@web.example";
    /** The search chips' account and the "always load images" account. */
    static final String FRANK = "frank@web.example";
    static final String GINA = "gina@web.example";
    /** The inline images' sender. */
    static final String HANK = "hank@web.example";
    /** The filter rules' account. */
    static final String IVY = "ivy@web.example";
    static final String PASSWORD = "Correct-Horse-9";
    static final Path SCREENSHOTS = Path.of("..", "web", "target", "screenshots");
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path data;
    TwinmailServer server;
    WebDriver driver;
    WebDriverWait wait;
    String base;
    /** Requests that reached the canary: any of them means a hostile message got something out. */
    final List<String> canaryHits = new CopyOnWriteArrayList<>();
    HttpServer canary;
    String canaryUrl;

    @BeforeAll
    void start() throws Exception {
        server = TwinmailServer.start(TestConfigs.loopback(data));
        assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "web.example").exit()).isZero();
        for (String u : List.of(ALICE, BOB, CAROL, FRANK, GINA, HANK, IVY)) {
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", u, "--password", PASSWORD).exit()).isZero();
        }
        assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", DAVE, "--password", PASSWORD, "--quota", "10M").exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", ERIN, "--password", PASSWORD).exit()).isZero();
        assertThat(CliRunner.run("admin", "--data", data.toString(), "alias", "add", ERIN_ALIAS, ERIN).exit()).isZero();
        base = "http://localhost:" + server.httpAddresses().getFirst().getPort() + "/mail/";
        canary = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        canary.createContext("/", ex -> {
            canaryHits.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        canary.start();
        canaryUrl = "http://127.0.0.1:" + canary.getAddress().getPort();
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,860",
                "--lang=en-US", "--no-first-run", "--disable-extensions");
        o.setExperimentalOption("prefs", Map.of("intl.accept_languages", "en-US,en"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
        wait = new WebDriverWait(driver, WAIT);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    void stop() {
        if (driver != null) driver.quit();
        if (canary != null) canary.stop(0);
        if (server != null) server.close();
    }

    @BeforeEach
    void freshBrowser() {
        driver.manage().window().setSize(new Dimension(1280, 860));
        driver.get(base);
        driver.manage().deleteAllCookies();
        ((JavascriptExecutor) driver).executeScript("localStorage.clear()");
    }

    // ---- helpers ----

    void login(String user) {
        login(user, PASSWORD);
    }

    void login(String user, String password) {
        driver.get(base);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user"))).sendKeys(user);
        driver.findElement(By.id("login-pass")).sendKeys(password);
        driver.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".mailbox[data-role=inbox]")));
    }

    /** Waits for the list row of {@code subject} (the list may be redrawn by a push meanwhile). */
    WebElement row(String subject) {
        return wait.ignoring(StaleElementReferenceException.class).until(d -> d.findElements(By.cssSelector(".msg-row")).stream()
                .filter(r -> r.findElement(By.cssSelector(".subject")).getText().contains(subject)).findFirst().orElse(null));
    }

    /** Clicks the list row of {@code subject}, again if a redraw took it away before the click. */
    void clickRow(String subject) {
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            WebElement r = row(subject);
            ((JavascriptExecutor) d).executeScript("arguments[0].scrollIntoView({block: 'center'})", r);
            r.click();
            return true;
        });
    }

    /**
     * Clicks what {@code by} finds once it is clickable, finding it again if a redraw (a push, a
     * second render of the reader) replaced it before the click.
     */
    void clickFresh(By by) {
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            WebElement e = ExpectedConditions.elementToBeClickable(by).apply(d);
            if (e == null) return false;
            e.click();
            return true;
        });
    }

    /** Opens the message and waits until its frame shows {@code text}; returns the frame's text. */
    String open(String subject, String text) {
        clickRow(subject);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("reader-subject"), subject));
        WebElement frame = wait.until(d -> d.findElements(By.cssSelector(".card[open] .body-frame")).stream().reduce((a, b) -> b).orElse(null));
        driver.switchTo().frame(frame);
        try {
            return wait.until(d -> {
                String body = d.findElement(By.tagName("body")).getText();
                return body.contains(text) ? body : null;
            });
        } finally {
            driver.switchTo().defaultContent();
        }
    }

    void screenshot(String name) throws IOException {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }

    void deliver(String to, String subject, Function<MimeMessage, MimeMessage> body) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.smtpAddresses().getFirst().getPort()));
        p.put("mail.smtp.timeout", "20000");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress(to.equals(BOB) ? ALICE : BOB));
        m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject, "UTF-8");
        m.setText("hello from the test: " + subject, "UTF-8");
        Transport.send(body.apply(m));
    }

    static MimeMessage html(MimeMessage m, String html) {
        try {
            m.setContent(html, "text/html; charset=utf-8");
            m.saveChanges();
            return m;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Store imap(String user) throws Exception {
        return imap(user, PASSWORD);
    }

    Store imap(String user, String password) throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(server.imapAddresses().getFirst().getPort()));
        p.put("mail.imap.timeout", "20000");
        Store s = Session.getInstance(p).getStore("imap");
        s.connect(user, password);
        return s;
    }

    // ---- tests ----

    @Test
    void logInReadAMessageFromSmtpAndReplyWithAnAttachmentThatArrivesOverImap() throws Exception {
        deliver(ALICE, "Quarterly report", m -> m);
        long t0 = System.nanoTime();
        login(ALICE);
        row("Quarterly report");
        long listed = System.nanoTime();
        Cookie c = driver.manage().getCookieNamed("twinmail-mail");
        assertThat(c).isNotNull();
        assertThat(c.isHttpOnly()).isTrue();
        assertThat(c.isSecure()).isTrue();
        assertThat(c.getSameSite()).isEqualTo("Strict");
        assertThat(((JavascriptExecutor) driver).executeScript("return document.cookie")).asString().doesNotContain("twinmail-mail");
        long o0 = System.nanoTime();
        assertThat(open("Quarterly report", "hello from the test")).contains("Quarterly report");
        long opened = System.nanoTime();
        System.out.printf("webmail: login to list %d ms, open %d ms (as Selenium sees it)%n", (listed - t0) / 1_000_000, (opened - o0) / 1_000_000);
        Object inPage = ((JavascriptExecutor) driver).executeScript(
                "const last = n => performance.getEntriesByName(n).pop().startTime;"
                        + "return [last('tm-list') - last('tm-login'), last('tm-open-done') - last('tm-open-start')].map(Math.round)");
        System.out.printf("webmail: in the page, login to 50-row list %s ms, open to body shown %s ms%n",
                ((List<?>) inPage).get(0), ((List<?>) inPage).get(1));
        screenshot("desktop-en-reading");

        driver.findElement(By.id("reply")).click();
        WebElement bodyField = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("compose-body")));
        assertThat(driver.findElement(By.id("compose-to")).getAttribute("value")).contains(BOB);
        assertThat(driver.findElement(By.id("compose-subject")).getAttribute("value")).isEqualTo("Re: Quarterly report");
        wait.until(d -> bodyField.equals(d.switchTo().activeElement()));
        bodyField.sendKeys("Numbers attached.");
        Path file = data.resolve("numbers.csv");
        Files.writeString(file, "q,revenue\nQ3,42\n");
        driver.findElement(By.id("compose-files")).sendKeys(file.toAbsolutePath().toString());
        wait.until(d -> d.findElements(By.cssSelector("#compose-attachments li .size")).size() == 1);
        screenshot("desktop-en-compose");
        driver.findElement(By.id("send")).click();
        String outcome = wait.until(d -> d.findElements(By.id("composer")).isEmpty() ? "sent"
                : d.findElement(By.id("compose-status")).getText().contains("failed") ? d.findElement(By.id("compose-status")).getText() : null);
        assertThat(outcome).isEqualTo("sent");

        Store store = imap(BOB);
        try {
            MimeMessage reply = waitForImap(store, "Re: Quarterly report");
            assertThat(reply.getHeader("In-Reply-To")).isNotNull();
            assertThat(reply.getFrom()[0].toString()).contains(ALICE);
            Multipart mp = (Multipart) reply.getContent();
            List<String> names = new ArrayList<>();
            String text = "";
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart part = mp.getBodyPart(i);
                if (part.getFileName() != null) {
                    names.add(part.getFileName());
                    assertThat(new String(part.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("q,revenue\nQ3,42\n");
                } else if (part.isMimeType("text/plain")) {
                    text = (String) part.getContent();
                }
            }
            assertThat(names).containsExactly("numbers.csv");
            assertThat(text).startsWith("Numbers attached.").contains("> hello from the test: Quarterly report");
        } finally {
            store.close();
        }
    }

    MimeMessage waitForImap(Store store, String subject) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try {
                for (Message m : inbox.getMessages()) {
                    if (subject.equals(m.getSubject())) return new MimeMessage((MimeMessage) m);
                }
            } finally {
                inbox.close(false);
            }
            assertThat(System.nanoTime()).as("%s arrives over IMAP", subject).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void aMessageDeliveredOverSmtpAppearsInTheOpenListWithoutAReload() throws Exception {
        login(ALICE);
        JavascriptExecutor js = (JavascriptExecutor) driver;
        js.executeScript("window.__sameDocument = 42");
        deliver(ALICE, "Pushed while watching", m -> m);
        row("Pushed while watching");
        assertThat(js.executeScript("return window.__sameDocument")).as("no reload").isEqualTo(42L);
        wait.ignoring(StaleElementReferenceException.class)
                .until(d -> d.findElement(By.cssSelector(".mailbox[data-role=inbox] .count")).getText().matches("\\d+"));
    }

    @Test
    void chineseUiShowsAGb2312MessageAndThePhoneLayoutShowsOnePaneAtATime() throws Exception {
        Charset gb = Charset.forName("GB2312");
        deliver(ALICE, "ignored", m -> {
            try {
                m.setSubject("季度报告：你好", "GB2312");
                m.setText("你好，世界！这是一封 GB2312 编码的邮件。", "GB2312");
                m.saveChanges();
                assertThat(m.getContentType()).containsIgnoringCase("gb2312");
                return m;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(gb.newEncoder().canEncode("你好，世界")).isTrue();
        login(ALICE);
        driver.findElement(By.id("lang-switch")).click();
        wait.until(d -> d.findElement(By.id("compose")).getAttribute("textContent").contains("写邮件"));
        // the folder tree is drawn again after the switch: read its INBOX name once it is the redrawn one
        wait.ignoring(StaleElementReferenceException.class)
                .until(d -> d.findElement(By.cssSelector(".mailbox[data-role=inbox] .name")).getText().equals("收件箱"));
        assertThat(open("季度报告：你好", "你好，世界")).contains("这是一封 GB2312 编码的邮件");
        screenshot("desktop-zh-reading");

        driver.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return innerWidth <= 720"));
        assertThat(driver.findElement(By.id("reader")).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.id("list")).isDisplayed()).isFalse();
        assertThat(driver.findElement(By.id("folders")).isDisplayed()).isFalse();
        screenshot("phone-zh-reading");
        driver.findElement(By.id("back")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("list")));
        assertThat(driver.findElement(By.id("reader")).isDisplayed()).isFalse();
        Number width = (Number) ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollWidth");
        assertThat(width.intValue()).as("nothing wider than the phone").isLessThanOrEqualTo(390);
        screenshot("phone-zh-list");
        driver.findElement(By.id("lang-switch")).click();
        wait.until(d -> d.findElement(By.id("compose")).getAttribute("textContent").contains("Compose"));
        screenshot("phone-en-list");
        driver.findElement(By.id("menu")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("folders")));
        screenshot("phone-en-folders");
        driver.manage().window().setSize(new Dimension(1280, 860));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("list")));
        screenshot("desktop-en-list");
    }

    /** The known webmail bypass families, each trying to run a script or reach the canary. */
    List<String> hostileCorpus() {
        String c = canaryUrl;
        return List.of(
                "<script>fetch('" + c + "/script')</script><p>corpus-1</p>",
                "<img src=x onerror=\"fetch('" + c + "/onerror')\"><body onload=\"fetch('" + c + "/onload')\"><p>corpus-2</p>",
                "<style>@import url('" + c + "/import.css');</style><p>corpus-3</p>",
                "<p style=\"background:url('" + c + "/bg.png')\">corpus-4</p><div style=\"background-image:/**/url(" + c + "/comment.png)\">x</div>",
                "<style>/*</style><img src=x onerror=fetch('" + c + "/css-comment')>*/</style><p>corpus-5</p>",
                "<svg><animate attributeName=href to=javascript:fetch('" + c + "/animate') /><a><text>x</text></a></svg>"
                        + "<svg><set attributeName=onmouseover to=\"fetch('" + c + "/set')\"/></svg><p>corpus-6</p>",
                "<svg><rect fill=\"url(" + c + "/funciri#x)\" width=10 height=10 /><use href=\"" + c + "/use.svg#a\"/></svg><p>corpus-7</p>",
                "<p xlink:href=\"javascript:fetch('" + c + "/xlink')\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">corpus-8</p>"
                        + "<math><maction xlink:href=\"javascript:fetch('" + c + "/math')\">m</maction></math>",
                "<base href=\"" + c + "/base/\"><img src=\"relative.png\"><a href=\"rel\">link</a><p>corpus-9</p>",
                "<img srcset=\"" + c + "/srcset.png 1x\"><picture><source srcset=\"" + c + "/source.png\"><img src=x></picture><p>corpus-10</p>",
                "<a href=\"javascript:fetch('" + c + "/js-href')\">click</a><iframe src=\"data:text/html,<script>fetch('" + c
                        + "/data')</script>\"></iframe><object data=\"" + c + "/object\"></object><p>corpus-11</p>",
                "<form action=\"" + c + "/form\" method=post><input name=q value=1><button>go</button></form>"
                        + "<button formaction=\"" + c + "/formaction\">x</button><p>corpus-12</p>",
                "<noscript><p title=\"</noscript><img src=x onerror=fetch('" + c + "/mxss')>\"></noscript>"
                        + "<svg></p><style><a id=\"</style><img src=1 onerror=fetch('" + c + "/mxss2')>\"></svg><p>corpus-13</p>",
                "<link rel=stylesheet href=\"" + c + "/link.css\"><meta http-equiv=refresh content=\"0;url=" + c + "/refresh\">"
                        + "<video poster=\"" + c + "/poster.png\"></video><audio src=\"" + c + "/audio\"></audio><p>corpus-14</p>",
                "<table background=\"" + c + "/table.png\"><tr><td background=\"" + c + "/td.png\">corpus-15</td></tr></table>"
                        + "<img src=\"" + c + "/tracking-pixel.gif\" width=1 height=1>");
    }

    @Test
    void hostileHtmlRunsNoScriptAndSendsNoRequestUntilTheReaderLoadsImagesOnce() throws Exception {
        List<String> corpus = hostileCorpus();
        for (int i = 0; i < corpus.size(); i++) {
            String html = corpus.get(i);
            deliver(ALICE, "Hostile " + (i + 1), m -> html(m, html));
        }
        login(ALICE);
        for (int i = 0; i < corpus.size(); i++) {
            open("Hostile " + (i + 1), "corpus-" + (i + 1));
            // what reached the frame, as served: nothing active left
            String served = frameSource().toLowerCase(java.util.Locale.ROOT);
            assertThat(served).as("corpus %d: no active element", i + 1).doesNotContainPattern(
                    "<(script|style|base|form|svg|math|iframe|object|embed|link|meta|video|audio|source|picture|noscript|button|input|animate|set|use)\\b");
            assertThat(served).as("corpus %d: no handler or fetching attribute", i + 1).doesNotContainPattern(
                    "<[^>]*\\s(on[a-z]+|srcset|formaction|action|background|poster|data|xlink:href|xmlns:[a-z]+|http-equiv)\\s*=");
            assertThat(served).as("corpus %d: no remote source", i + 1).doesNotContainPattern("<[^>]*\\ssrc\\s*=\\s*\"?https?:");
            assertThat(served).as("corpus %d: no script URL, no CSS fetch", i + 1).doesNotContain("javascript:", "@import", "url(");
        }
        JavascriptExecutor js = (JavascriptExecutor) driver;
        assertThat(js.executeScript("return document.title")).isEqualTo("TwinMail");
        // the page's own requests are done when every frame has loaded; then the canary must have heard nothing
        assertThat(canaryHits).as("requests that left the page").isEmpty();
        screenshot("desktop-en-hostile");

        // the positive control: "load images once" does load the remote image, so the canary would have heard
        clickRow("Hostile 15");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("reader-subject"), "Hostile 15"));
        clickFresh(By.cssSelector(".card[open] .load-images"));
        wait.until(d -> canaryHits.stream().anyMatch(h -> h.contains("/tracking-pixel.gif")));
        assertThat(canaryHits).allMatch(h -> h.contains("tracking-pixel.gif") || h.contains("table.png") || h.contains("td.png"));
    }

    /** The served document of the open message's frame, fetched with the browser's session cookie. */
    String frameSource() throws Exception {
        String src = driver.findElement(By.cssSelector(".card[open] .body-frame")).getAttribute("src");
        Cookie c = driver.manage().getCookieNamed("twinmail-mail");
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(src)).header("Cookie", c.getName() + "=" + c.getValue()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'", "sandbox", "img-src data:").doesNotContain("script-src");
            return r.body().substring(r.body().indexOf("<body>"));
        }
    }

    @Test
    void stateChangingRequestsWithoutTheCsrfTokenAreRefusedAndTheCookieIsFlagged() throws Exception {
        String origin = "http://localhost:" + server.httpAddresses().getFirst().getPort();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "api/login")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + ALICE + "\",\"password\":\"" + PASSWORD + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.statusCode()).isEqualTo(200);
            String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(setCookie).startsWith("twinmail-mail=").contains("; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict");
            Matcher m = Pattern.compile("twinmail-mail=([^;]+)").matcher(setCookie);
            assertThat(m.find()).isTrue();
            String cookie = "twinmail-mail=" + m.group(1);
            Matcher t = Pattern.compile("\"csrfToken\":\"([^\"]+)\"").matcher(login.body());
            assertThat(t.find()).isTrue();
            String api = "{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"x\":1},\"0\"]]}";
            Function<String[], Integer> post = headers -> {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "jmap/api")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(api));
                for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
                try {
                    return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            assertThat(post.apply(new String[] {"Cookie", cookie})).isEqualTo(403);
            assertThat(post.apply(new String[] {"Cookie", cookie, "X-CSRF-Token", "forged"})).isEqualTo(403);
            assertThat(post.apply(new String[] {"Cookie", cookie, "X-CSRF-Token", t.group(1), "Origin", "https://evil.example"})).isEqualTo(403);
            assertThat(post.apply(new String[] {"X-CSRF-Token", t.group(1)})).as("no session").isEqualTo(401);
            assertThat(post.apply(new String[] {"Cookie", cookie, "X-CSRF-Token", t.group(1), "Origin", origin})).isEqualTo(200);
            HttpResponse<String> settings = http.send(HttpRequest.newBuilder(URI.create(base + "api/settings/forwarding")).header("Cookie", cookie)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"to\":[\"x@evil.example\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(settings.statusCode()).as("a setting needs the token").isEqualTo(403);
            HttpResponse<String> logout = http.send(HttpRequest.newBuilder(URI.create(base + "api/logout")).header("Cookie", cookie)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(logout.statusCode()).as("logout needs the token too").isEqualTo(403);
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + "api/login")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + ALICE + "\",\"password\":\"nope\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        }
    }

    /** The subjects of the list's rows, top to bottom, once the list is drawn. */
    List<String> rowSubjects() {
        return wait.ignoring(StaleElementReferenceException.class).until(d -> d.findElements(By.cssSelector(".msg-row .subject")).stream()
                .map(e -> e.getText().replace(" \uD83D\uDCCE", "")).toList()); // without the attachment clip
    }

    /** Waits until the rows whose subject starts with {@code prefix} are exactly {@code expected} (in list order). */
    void waitForRows(String prefix, List<String> expected) {
        wait.ignoring(StaleElementReferenceException.class)
                .until(d -> rowSubjects().stream().filter(x -> x.startsWith(prefix)).toList().equals(expected));
    }

    /** Messages of {@code folder} over IMAP: each subject and whether it is flagged. */
    Map<String, Boolean> imapFolder(String user, String folder) throws Exception {
        Store store = imap(user, user.equals(DAVE) ? davePassword : PASSWORD);
        try {
            Folder f = store.getFolder(folder);
            f.open(Folder.READ_ONLY);
            try {
                Map<String, Boolean> out = new java.util.TreeMap<>();
                for (Message m : f.getMessages()) out.put(m.getSubject(), m.isSet(jakarta.mail.Flags.Flag.FLAGGED));
                return out;
            } finally {
                f.close(false);
            }
        } finally {
            store.close();
        }
    }

    void waitForImapFolder(String user, String folder, Map<String, Boolean> expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Boolean> seen;
        while (!(seen = imapFolder(user, folder)).equals(expected)) {
            assertThat(System.nanoTime()).as("%s over IMAP is %s (now %s)", folder, expected, seen).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    WebElement checkbox(String subject) {
        return row(subject).findElement(By.cssSelector("input.sel"));
    }

    @Test
    void multiSelectWithShiftRangeAndSelectAllFlagsMarksAsSpamDeletesAndMovesInBulk() throws Exception {
        for (int i = 1; i <= 5; i++) deliver(CAROL, "Bulk " + i, m -> m);
        login(CAROL);
        waitForRows("Bulk", List.of("Bulk 5", "Bulk 4", "Bulk 3", "Bulk 2", "Bulk 1"));
        assertThat(driver.findElement(By.id("list")).getText()).as("nothing but the list").doesNotContain("null", "undefined");
        assertThat(driver.findElement(By.id("bulk")).isDisplayed()).as("no bar before a selection").isFalse();

        // a click on the box selects without opening; shift-click selects the range from the last click
        checkbox("Bulk 5").click();
        new Actions(driver).keyDown(Keys.SHIFT).click(checkbox("Bulk 3")).keyUp(Keys.SHIFT).perform();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("bulk-count"), "3 selected"));
        assertThat(driver.findElements(By.cssSelector(".msg-row.checked .subject")).stream().map(WebElement::getText).toList())
                .containsExactly("Bulk 5", "Bulk 4", "Bulk 3");
        assertThat(driver.findElement(By.id("reader")).getText()).as("nothing opened").doesNotContain("Bulk");
        Boolean indeterminate = (Boolean) ((JavascriptExecutor) driver).executeScript("return document.getElementById('select-all').indeterminate");
        assertThat(indeterminate).isTrue();
        screenshot("desktop-en-multiselect");

        clickFresh(By.id("bulk-flag"));
        waitForImapFolder(CAROL, "INBOX", Map.of("Bulk 1", false, "Bulk 2", false, "Bulk 3", true, "Bulk 4", true, "Bulk 5", true));
        wait.ignoring(StaleElementReferenceException.class).until(d -> d.findElements(By.cssSelector(".msg-row .flag.on")).size() == 3);
        assertThat(driver.findElement(By.id("bulk-count")).getText()).as("a flag keeps the selection").contains("3 selected");

        clickFresh(By.id("bulk-spam"));
        waitForRows("Bulk", List.of("Bulk 2", "Bulk 1"));
        waitForImapFolder(CAROL, "Junk", Map.of("Bulk 3", true, "Bulk 4", true, "Bulk 5", true));
        assertThat(driver.findElement(By.id("bulk")).isDisplayed()).as("a move ends the selection").isFalse();

        // select all, then delete: both go to Trash
        clickFresh(By.id("select-all"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("bulk-count"), "2 selected"));
        clickFresh(By.id("bulk-delete"));
        waitForRows("Bulk", List.of());
        waitForImapFolder(CAROL, "INBOX", Map.of());
        waitForImapFolder(CAROL, "Trash", Map.of("Bulk 1", false, "Bulk 2", false));

        // in Junk: select all and move back to the inbox with the bulk menu, on a phone
        driver.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return innerWidth <= 720"));
        driver.findElement(By.id("menu")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".mailbox[data-role=junk]"))).click();
        waitForRows("Bulk", List.of("Bulk 5", "Bulk 4", "Bulk 3"));
        clickFresh(By.cssSelector(".msg-row[data-thread='" + row("Bulk 4").getAttribute("data-thread") + "'] input.sel"));
        clickFresh(By.id("select-all"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("bulk-count"), "3 selected"));
        assertThat(driver.findElement(By.id("bulk-spam")).getText()).isEqualTo("Not spam");
        Number width = (Number) ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollWidth");
        assertThat(width.intValue()).as("the bar fits the phone").isLessThanOrEqualTo(390);
        screenshot("phone-en-multiselect");
        String inbox = driver.findElement(By.cssSelector(".mailbox[data-role=inbox]")).getAttribute("data-id");
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            new Select(d.findElement(By.id("bulk-move"))).selectByValue(inbox);
            return true;
        });
        waitForRows("Bulk", List.of());
        waitForImapFolder(CAROL, "INBOX", Map.of("Bulk 3", true, "Bulk 4", true, "Bulk 5", true));
        waitForImapFolder(CAROL, "Junk", Map.of());
    }

    /** DAVE's password: the settings test changes it. */
    volatile String davePassword = PASSWORD;

    void openSettings() {
        wait.until(ExpectedConditions.elementToBeClickable(By.id("settings-open"))).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("set-sms")));
    }

    /** Types into a settings field (cleared first). */
    void type(String id, String text) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        if (!text.isEmpty()) e.sendKeys(text);
    }

    String saved(String statusId) {
        return wait.until(d -> {
            String s = d.findElement(By.id(statusId)).getText();
            return s.startsWith("Saved") || s.startsWith("Not saved") || s.startsWith("The new") ? s : null;
        });
    }

    /** One IMAP LOGIN over a socket; the tagged reply. */
    String imapLogin(String user, String password) throws java.io.IOException {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", server.imapAddresses().getFirst().getPort())) {
            sock.setSoTimeout(15_000);
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            in.readLine();
            sock.getOutputStream().write(("a LOGIN \"" + user + "\" \"" + password + "\"\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("a ")) { }
            return String.valueOf(line);
        }
    }

    void click(String id) {
        WebElement e = driver.findElement(By.id(id));
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", e);
        e.click();
    }

    @Test
    void settingsChangeThePasswordForwardingSenderListsVacationAndSmsAndShowTheQuota() throws Exception {
        deliver(DAVE, "Before settings", m -> m);
        login(DAVE);
        row("Before settings");
        openSettings();
        assertThat(driver.findElement(By.id("quota-octets")).getText()).matches(".+ of 10 MB used \\(\\d+%\\)");
        assertThat(driver.findElement(By.id("app-passwords-note")).getText()).contains("A password of its own for each mail app");
        // an app password made here (shown once) logs in over IMAP; revoked here, it no longer does
        driver.findElement(By.id("app-password-name")).sendKeys("phone");
        click("app-password-add");
        String app = wait.until(d -> d.findElement(By.id("app-password-new")).getDomAttribute("data-password"));
        assertThat(app).matches("[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}");
        assertThat(driver.findElement(By.id("app-password-list")).getText()).contains("phone");
        assertThat(imapLogin(DAVE, app)).startsWith("a OK");
        click("app-password-revoke-phone");
        wait.until(d -> d.findElements(By.cssSelector("#app-password-list li")).isEmpty());
        assertThat(imapLogin(DAVE, app)).startsWith("a NO");
        assertThat(driver.findElement(By.id("settings")).getText()).doesNotContain("null", "undefined");
        assertThat(driver.findElement(By.id("spam-level-note")).getText()).contains("How readily mail goes to Spam");
        assertThat(new Select(driver.findElement(By.id("spam-level"))).getFirstSelectedOption().getDomAttribute("value")).isEqualTo("normal");
        assertThat(driver.findElement(By.id("spam-score")).isDisplayed()).as("the score field only for a score of one's own").isFalse();
        screenshot("desktop-en-settings");

        // the spam level: strict, then a score of one's own, saved in the store the MX reads; back to normal
        long daveId = server.store().findAccount(org.twinmail.core.mail.EmailAddress.parse(DAVE)).orElseThrow().id();
        java.util.function.Supplier<String> level = () -> server.store().record(org.twinmail.core.policy.SpamLevel.KIND, "account:" + daveId,
                org.twinmail.core.policy.SpamLevel.NAME).map(r -> org.twinmail.core.policy.SpamLevel.decode(r.value()).text()).orElse("normal");
        new Select(driver.findElement(By.id("spam-level"))).selectByValue("strict");
        click("spam-level-save");
        assertThat(saved("spam-level-status")).isEqualTo("Saved");
        assertThat(level.get()).isEqualTo("strict");
        new Select(driver.findElement(By.id("spam-level"))).selectByValue("score");
        assertThat(driver.findElement(By.id("spam-score")).isDisplayed()).isTrue();
        type("spam-score", "4.5");
        click("spam-level-save");
        wait.until(d -> "4.5".equals(((JavascriptExecutor) d).executeScript("return document.getElementById('spam-level').dataset.level")));
        assertThat(level.get()).isEqualTo("4.5");
        new Select(driver.findElement(By.id("spam-level"))).selectByValue("normal");
        click("spam-level-save");
        wait.until(d -> "normal".equals(((JavascriptExecutor) d).executeScript("return document.getElementById('spam-level').dataset.level")));
        assertThat(level.get()).isEqualTo("normal");

        // forwarding to another account, keeping a copy: the next message reaches both
        type("fwd-to", BOB);
        click("fwd-save");
        assertThat(saved("fwd-status")).isEqualTo("Saved");
        deliver(DAVE, "Forward me please", m -> m);
        Store bob = imap(BOB);
        try {
            assertThat(waitForImap(bob, "Forward me please").getSubject()).isEqualTo("Forward me please");
        } finally {
            bob.close();
        }
        waitForImapFolder(DAVE, "INBOX", Map.of("Before settings", false, "Forward me please", false));
        type("fwd-to", "");
        click("fwd-save");
        assertThat(saved("fwd-status")).isEqualTo("Saved");

        // a sender to Spam: the next message from it is filed into Junk; then the rule goes
        type("rule-pattern", BOB);
        new Select(driver.findElement(By.id("rule-action"))).selectByValue("junk");
        click("rule-add");
        assertThat(saved("rule-status")).isEqualTo("Saved");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#rules li[data-pattern='" + BOB + "']"), "Always to Spam"));
        deliver(DAVE, "From a listed sender", m -> m);
        waitForImapFolder(DAVE, "Junk", Map.of("From a listed sender", false));
        driver.findElement(By.cssSelector("#rules li[data-pattern='" + BOB + "'] .rule-remove")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("rules"), "No senders listed."));

        // the vacation reply, over JMAP: the next sender gets it
        click("vac-enabled");
        type("vac-subject", "Away until Monday");
        type("vac-body", "I read mail on Monday.");
        click("vac-save");
        assertThat(saved("vac-status")).isEqualTo("Saved");
        deliver(DAVE, "Are you there", m -> m);
        bob = imap(BOB);
        try {
            MimeMessage reply = waitForImap(bob, "Away until Monday");
            assertThat(reply.getHeader("Auto-Submitted")).containsExactly("auto-replied");
            assertThat(((String) reply.getContent()).strip()).isEqualTo("I read mail on Monday.");
        } finally {
            bob.close();
        }

        // SMS: a number is kept unverified until its code is confirmed; a code that was never sent is refused
        type("sms-phone", "+8613800138000");
        click("sms-enabled");
        click("sms-save");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sms-state"), "+8613800138000"));
        assertThat(driver.findElement(By.id("sms-state")).getText()).doesNotContain("verified:");
        type("sms-code", "000000");
        click("sms-verify");
        assertThat(saved("sms-status")).startsWith("Not saved").contains("no code is pending");

        // the password: the current one is required; the new one signs in, the old one no longer does
        type("pw-current", "not-the-password");
        type("pw-new", "Battery-Staple-42");
        type("pw-confirm", "Battery-Staple-42");
        click("pw-save");
        assertThat(saved("pw-status")).startsWith("Not saved").contains("current password is wrong");
        type("pw-current", PASSWORD);
        type("pw-new", "Battery-Staple-42");
        type("pw-confirm", "Battery-Staple-4");
        click("pw-save");
        assertThat(saved("pw-status")).isEqualTo("The new passwords differ.");
        type("pw-confirm", "Battery-Staple-42");
        click("pw-save");
        assertThat(saved("pw-status")).isEqualTo("Saved");
        davePassword = "Battery-Staple-42";
        // this browser stays signed in with the renewed token: a change still goes through
        type("fwd-to", "");
        click("fwd-save");
        assertThat(saved("fwd-status")).isEqualTo("Saved");
        waitForImapFolder(DAVE, "Junk", Map.of("From a listed sender", false));

        // what was saved is what a fresh page shows, in Chinese and at phone width
        driver.navigate().refresh();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".mailbox[data-role=inbox]")));
        openSettings();
        assertThat(driver.findElement(By.id("vac-enabled")).isSelected()).isTrue();
        assertThat(driver.findElement(By.id("vac-subject")).getAttribute("value")).isEqualTo("Away until Monday");
        assertThat(driver.findElement(By.id("sms-phone")).getAttribute("value")).isEqualTo("+8613800138000");
        assertThat(driver.findElement(By.id("sms-enabled")).isSelected()).isTrue();
        assertThat(driver.findElement(By.id("fwd-to")).getAttribute("value")).isEmpty();
        driver.findElement(By.id("lang-switch")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".settings-head h2"), "设置"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("quota-octets"), "共 10 MB"));
        screenshot("desktop-zh-settings");
        driver.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return innerWidth <= 720"));
        assertThat(driver.findElement(By.id("settings")).isDisplayed()).isTrue();
        Number width = (Number) ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollWidth");
        assertThat(width.intValue()).as("nothing wider than the phone").isLessThanOrEqualTo(390);
        screenshot("phone-zh-settings");
        driver.findElement(By.id("lang-switch")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".settings-head h2"), "Settings"));
        screenshot("phone-en-settings");

        driver.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user"))).sendKeys(DAVE);
        driver.findElement(By.id("login-pass")).sendKeys(PASSWORD);
        driver.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "Wrong"));
        login(DAVE, davePassword);
        row("Forward me please");
    }

    WebElement identityForm(String email) {
        return driver.findElement(By.cssSelector("#identities form.identity[data-email='" + email + "']"));
    }

    void saveIdentity(String email, String name, String signature) {
        WebElement f = identityForm(email);
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", f);
        f.findElement(By.cssSelector(".id-name")).clear();
        f.findElement(By.cssSelector(".id-name")).sendKeys(name);
        f.findElement(By.cssSelector(".id-signature")).clear();
        f.findElement(By.cssSelector(".id-signature")).sendKeys(signature);
        f.findElement(By.cssSelector(".id-save")).click();
        wait.until(d -> identityForm(email).findElement(By.cssSelector(".id-status")).getText().equals("Saved"));
    }

    @Test
    void identitiesCarryNamesAndSignaturesThatComposeUsesAndSends() throws Exception {
        login(ERIN);
        openSettings();
        wait.until(d -> d.findElements(By.cssSelector("#identities form.identity")).size() == 2);
        saveIdentity(ERIN, "Erin Example", "Erin\nTwinMail QA");
        saveIdentity(ERIN_ALIAS, "Sales Desk", "The sales desk\n+86 10 0000 0000");
        screenshot("desktop-en-identities");

        // compose: the account's own identity first, its signature below the cursor; another identity swaps it
        driver.findElement(By.id("compose")).click();
        WebElement body = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("compose-body")));
        Select from = new Select(driver.findElement(By.id("compose-from")));
        assertThat(from.getFirstSelectedOption().getText()).isEqualTo("Erin Example <" + ERIN + ">");
        assertThat(body.getAttribute("value")).isEqualTo("\n\n-- \nErin\nTwinMail QA");
        from.selectByVisibleText("Sales Desk <" + ERIN_ALIAS + ">");
        assertThat(body.getAttribute("value")).isEqualTo("\n\n-- \nThe sales desk\n+86 10 0000 0000");
        driver.findElement(By.id("compose-to")).sendKeys(BOB);
        driver.findElement(By.id("compose-subject")).sendKeys("From the sales desk");
        body.sendKeys(Keys.chord(Keys.CONTROL, Keys.HOME), "Our offer is attached in spirit.");
        screenshot("desktop-en-compose-identity");
        // the rich editor keeps the signature as a block another identity replaces
        driver.findElement(By.id("compose-mode")).click();
        WebElement rich = driver.findElement(By.id("compose-rich"));
        assertThat(rich.findElement(By.cssSelector(".tm-signature")).getText()).contains("The sales desk");
        from.selectByVisibleText("Erin Example <" + ERIN + ">");
        assertThat(rich.findElement(By.cssSelector(".tm-signature")).getText()).contains("TwinMail QA").doesNotContain("sales desk");
        from.selectByVisibleText("Sales Desk <" + ERIN_ALIAS + ">");
        driver.findElement(By.id("compose-mode")).click();
        driver.findElement(By.id("send")).click();
        String outcome = wait.until(d -> d.findElements(By.id("composer")).isEmpty() ? "sent"
                : d.findElement(By.id("compose-status")).getText().contains("failed") ? d.findElement(By.id("compose-status")).getText() : null);
        assertThat(outcome).isEqualTo("sent");

        Store bob = imap(BOB);
        try {
            MimeMessage m = waitForImap(bob, "From the sales desk");
            assertThat(m.getFrom()[0].toString()).isEqualTo("Sales Desk <" + ERIN_ALIAS + ">");
            String text = m.getContent() instanceof String s ? s : (String) ((Multipart) m.getContent()).getBodyPart(0).getContent();
            assertThat(text.replace("\r\n", "\n")).startsWith("Our offer is attached in spirit.").contains("-- \nThe sales desk\n+86 10 0000 0000")
                    .doesNotContain("TwinMail QA");
        } finally {
            bob.close();
        }

        // saved on the server: a fresh page shows them, in Chinese and at phone width
        driver.navigate().refresh();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".mailbox[data-role=inbox]")));
        openSettings();
        assertThat(identityForm(ERIN_ALIAS).findElement(By.cssSelector(".id-name")).getAttribute("value")).isEqualTo("Sales Desk");
        assertThat(identityForm(ERIN).findElement(By.cssSelector(".id-signature")).getAttribute("value")).isEqualTo("Erin\nTwinMail QA");
        driver.findElement(By.id("lang-switch")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#set-identities h3"), "发件身份与签名"));
        driver.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return innerWidth <= 720"));
        ((JavascriptExecutor) driver).executeScript("document.getElementById('set-identities').scrollIntoView()");
        screenshot("phone-zh-identities");
    }

    void deliverFrom(String from, String to, String subject, Function<MimeMessage, MimeMessage> body) throws Exception {
        deliver(to, subject, m -> {
            try {
                m.setFrom(new InternetAddress(from));
                return body.apply(m);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static MimeMessage withAttachment(MimeMessage m) {
        try {
            jakarta.mail.internet.MimeMultipart mp = new jakarta.mail.internet.MimeMultipart();
            jakarta.mail.internet.MimeBodyPart text = new jakarta.mail.internet.MimeBodyPart();
            text.setText("see the file", "UTF-8");
            jakarta.mail.internet.MimeBodyPart file = new jakarta.mail.internet.MimeBodyPart();
            file.setContent("a,b\n1,2\n", "text/csv");
            file.setFileName("table.csv");
            file.setDisposition("attachment");
            mp.addBodyPart(text);
            mp.addBodyPart(file);
            m.setContent(mp);
            m.saveChanges();
            return m;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** As {@link #waitForRows}, in any order (messages delivered within a second may sort either way). */
    void waitForRowSet(String prefix, java.util.Set<String> expected) {
        try {
            wait.ignoring(StaleElementReferenceException.class).until(d -> {
                List<String> rows = rowSubjects().stream().filter(x -> x.startsWith(prefix)).toList();
                return rows.size() == expected.size() && expected.containsAll(rows);
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            assertThat(rowSubjects()).as("the list's rows").containsExactlyInAnyOrderElementsOf(expected);
            throw e;
        }
    }

    List<String> chipKeys() {
        return wait.ignoring(StaleElementReferenceException.class).until(d -> d.findElements(By.cssSelector("#chips .chip")).stream()
                .map(c -> c.getAttribute("data-key")).toList());
    }

    void removeChip(String key) {
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(By.cssSelector("#chips .chip[data-key='" + key + "'] .chip-x")).click();
            return true;
        });
    }

    @Test
    void searchChipsNarrowTheFullTextSearchByFromToSubjectDateAndAttachment() throws Exception {
        deliverFrom(BOB, FRANK, "Chip alpha report", WebmailBrowserTest::withAttachment);
        deliverFrom(ALICE, FRANK, "Chip beta report", m -> m);
        deliverFrom(BOB, FRANK, "Chip gamma notes", m -> m);
        login(FRANK);
        waitForRowSet("Chip", java.util.Set.of("Chip gamma notes", "Chip alpha report", "Chip beta report"));

        WebElement box = driver.findElement(By.id("search"));
        box.sendKeys("from:bob chip", Keys.ENTER);
        waitForRowSet("Chip", java.util.Set.of("Chip gamma notes", "Chip alpha report"));
        assertThat(chipKeys()).containsExactly("text", "from");
        assertThat(driver.findElement(By.cssSelector("#chips .chip[data-key=from]")).getText()).contains("From: bob");
        assertThat(box.getAttribute("value")).as("the chip leaves the box").isEqualTo("chip");

        // the options panel adds has-attachment beside what is there
        driver.findElement(By.id("filters-toggle")).click();
        WebElement panel = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("filter-panel")));
        assertThat(panel.findElement(By.id("f-from")).getAttribute("value")).isEqualTo("bob");
        panel.findElement(By.id("f-attachment")).click();
        screenshot("desktop-en-search-options");
        panel.findElement(By.id("f-apply")).click();
        waitForRowSet("Chip", java.util.Set.of("Chip alpha report"));
        assertThat(chipKeys()).containsExactly("text", "from", "hasAttachment");
        assertThat(driver.findElement(By.id("list")).getText()).doesNotContain("null", "undefined");
        screenshot("desktop-en-search-chips");

        removeChip("from");
        waitForRowSet("Chip", java.util.Set.of("Chip alpha report"));
        removeChip("hasAttachment");
        waitForRowSet("Chip", java.util.Set.of("Chip gamma notes", "Chip alpha report", "Chip beta report"));

        box = driver.findElement(By.id("search"));
        box.clear();
        box.sendKeys("subject:\"beta report\" to:frank", Keys.ENTER);
        waitForRowSet("Chip", java.util.Set.of("Chip beta report"));
        assertThat(chipKeys()).containsExactly("to", "subject");
        // dates: everything arrived today, so nothing before today and all of it from today on
        String today = (String) ((JavascriptExecutor) driver).executeScript(
                "const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0')");
        String yesterday = java.time.LocalDate.parse(today).minusDays(1).toString();
        box = driver.findElement(By.id("search"));
        box.clear();
        box.sendKeys("chip before:" + yesterday, Keys.ENTER);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#list .empty"), "No messages"));
        box = driver.findElement(By.id("search"));
        box.clear();
        box.sendKeys("chip after:" + today + " has:attachment", Keys.ENTER);
        waitForRowSet("Chip", java.util.Set.of("Chip alpha report"));
        assertThat(chipKeys()).containsExactly("text", "after", "hasAttachment");
        assertThat(driver.findElement(By.cssSelector("#chips .chip[data-key=after]")).getText()).contains(today);

        // Chinese labels, phone width
        driver.findElement(By.id("lang-switch")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#chips .chip[data-key=hasAttachment]"), "含附件"));
        driver.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return innerWidth <= 720"));
        Number width = (Number) ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollWidth");
        assertThat(width.intValue()).as("nothing wider than the phone").isLessThanOrEqualTo(390);
        screenshot("phone-zh-search-chips");
        // a folder ends the search
        driver.findElement(By.id("menu")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".mailbox[data-role=inbox]"))).click();
        waitForRowSet("Chip", java.util.Set.of("Chip gamma notes", "Chip alpha report", "Chip beta report"));
        assertThat(driver.findElements(By.id("chips"))).isEmpty();
    }

    @Test
    void alwaysLoadImagesFromASenderIsKeptPerUserAndOnlyForThatSender() throws Exception {
        List<String> hits = new CopyOnWriteArrayList<>();
        HttpServer images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        images.createContext("/", ex -> {
            hits.add(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        images.start();
        try {
            String url = "http://127.0.0.1:" + images.getAddress().getPort();
            deliverFrom(BOB, GINA, "Pictures one", m -> html(m, "<p>one</p><img src=\"" + url + "/one.gif\">"));
            login(GINA);
            open("Pictures one", "one");
            WebElement always = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".card[open] .always-images")));
            assertThat(always.getText()).isEqualTo("Always load images from " + BOB);
            assertThat(hits).as("held back").isEmpty();
            screenshot("desktop-en-images-always");
            clickFresh(By.cssSelector(".card[open] .always-images"));
            wait.until(d -> hits.contains("/one.gif"));
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".card[open] .never-images")));

            // the next message from that sender shows its images at once; another sender's stay held back
            deliverFrom(BOB, GINA, "Pictures two", m -> html(m, "<p>two</p><img src=\"" + url + "/two.gif\">"));
            deliverFrom(ALICE, GINA, "Pictures three", m -> html(m, "<p>three</p><img src=\"" + url + "/three.gif\">"));
            open("Pictures two", "two");
            wait.until(d -> hits.contains("/two.gif"));
            open("Pictures three", "three");
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".card[open] .always-images")));
            // kept on the server for this user: another user's reading of the same sender is not affected
            driver.manage().deleteAllCookies();
            deliverFrom(BOB, FRANK, "Pictures for frank", m -> html(m, "<p>frank</p><img src=\"" + url + "/frank.gif\">"));
            login(FRANK);
            open("Pictures for frank", "frank");
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".card[open] .always-images")));
            assertThat(hits).containsExactly("/one.gif", "/two.gif");

            // and a new session of the same user keeps it, until "Stop"
            driver.manage().deleteAllCookies();
            login(GINA);
            deliverFrom(BOB, GINA, "Pictures four", m -> html(m, "<p>four</p><img src=\"" + url + "/four.gif\">"));
            open("Pictures four", "four");
            wait.until(d -> hits.contains("/four.gif"));
            driver.findElement(By.id("lang-switch")).click();
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".card[open] .never-images")));
            assertThat(driver.findElement(By.cssSelector(".card[open] .images-bar")).getText()).contains("始终加载来自 " + BOB + " 的图片");
            driver.manage().window().setSize(new Dimension(390, 844));
            wait.until(d -> ((JavascriptExecutor) d).executeScript("return innerWidth <= 720"));
            screenshot("phone-zh-images-always");
            clickFresh(By.cssSelector(".card[open] .never-images"));
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".card[open] .always-images")));
            deliverFrom(BOB, GINA, "Pictures five", m -> html(m, "<p>five</p><img src=\"" + url + "/five.gif\">"));
            driver.manage().window().setSize(new Dimension(1280, 860));
            open("Pictures five", "five");
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".card[open] .always-images")));
            assertThat(hits).as("held back again").doesNotContain("/five.gif", "/three.gif", "/frank.gif");
        } finally {
            images.stop(0);
        }
    }

    static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    /** Hands the rich editor an image as the browser would on a paste ({@code paste}) or a drop ({@code drop}). */
    void giveImage(String event, String name) {
        ((JavascriptExecutor) driver).executeScript("""
                const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
                const dt = new DataTransfer();
                dt.items.add(new File([bytes], arguments[2], { type: 'image/png' }));
                const rich = document.getElementById('compose-rich');
                rich.focus();
                const ev = arguments[1] === 'paste'
                    ? new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true })
                    : new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
                rich.dispatchEvent(ev);""", PNG, event, name);
    }

    @Test
    void imagesPastedOrDroppedIntoRichTextAreSentInlineAsMultipartRelated() throws Exception {
        login(HANK);
        driver.findElement(By.id("compose")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("compose-to"))).sendKeys(BOB);
        driver.findElement(By.id("compose-subject")).sendKeys("Inline pictures");
        driver.findElement(By.id("compose-mode")).click();
        WebElement rich = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("compose-rich")));
        rich.sendKeys("Two dots: ");
        giveImage("paste", "pasted.png");
        giveImage("drop", "dropped.png");
        wait.until(d -> d.findElements(By.cssSelector("#compose-rich img[data-cid]")).size() == 2
                && d.findElements(By.cssSelector("#compose-rich img.uploading")).isEmpty());
        assertThat(driver.findElements(By.cssSelector("#compose-attachments li"))).as("inline, not attachments").isEmpty();
        screenshot("desktop-en-compose-inline");
        driver.findElement(By.id("send")).click();
        String outcome = wait.until(d -> d.findElements(By.id("composer")).isEmpty() ? "sent"
                : d.findElement(By.id("compose-status")).getText().contains("failed") ? d.findElement(By.id("compose-status")).getText() : null);
        assertThat(outcome).isEqualTo("sent");

        Store bob = imap(BOB);
        try {
            MimeMessage m = waitForImap(bob, "Inline pictures");
            assertThat(m.getContentType()).startsWith("multipart/alternative");
            Multipart alt = (Multipart) m.getContent();
            assertThat(alt.getBodyPart(0).isMimeType("text/plain")).isTrue();
            assertThat((String) alt.getBodyPart(0).getContent()).contains("Two dots:");
            assertThat(alt.getBodyPart(1).isMimeType("multipart/related")).isTrue();
            Multipart related = (Multipart) alt.getBodyPart(1).getContent();
            assertThat(related.getCount()).isEqualTo(3);
            String html = (String) related.getBodyPart(0).getContent();
            List<String> names = new ArrayList<>();
            for (int i = 1; i < 3; i++) {
                jakarta.mail.internet.MimeBodyPart img = (jakarta.mail.internet.MimeBodyPart) related.getBodyPart(i);
                assertThat(img.isMimeType("image/png")).isTrue();
                assertThat(img.getDisposition()).isEqualTo("inline");
                String cid = img.getContentID().replaceAll("^<|>$", "");
                assertThat(html).contains("src=\"cid:" + cid + "\"");
                assertThat(java.util.Base64.getEncoder().encodeToString(img.getInputStream().readAllBytes())).isEqualTo(PNG);
                names.add(img.getFileName());
            }
            assertThat(names).containsExactlyInAnyOrder("pasted.png", "dropped.png");
            assertThat(html).doesNotContain("blob:", "data-cid");
        } finally {
            bob.close();
        }

        // the receiver's webmail shows both images from the message's own parts
        driver.manage().deleteAllCookies();
        login(BOB);
        open("Inline pictures", "Two dots:");
        WebElement frame = driver.findElement(By.cssSelector(".card[open] .body-frame"));
        driver.switchTo().frame(frame);
        try {
            wait.until(d -> d.findElements(By.cssSelector("img")).stream().filter(i -> i.getAttribute("src").startsWith("data:image/png")).count() == 2);
        } finally {
            driver.switchTo().defaultContent();
        }
        driver.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return innerWidth <= 720"));
        screenshot("phone-en-inline-received");
    }

    /** Puts and activates a script over ManageSieve (PLAIN on loopback), as a user's own Sieve client would. */
    void putActiveScriptOverManageSieve(String user, String name, String script) throws IOException {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", server.managesieveAddresses().getFirst().getPort())) {
            sock.setSoTimeout(15_000);
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
            java.io.OutputStream out = sock.getOutputStream();
            assertThat(sieveAnswer(in)).startsWith("OK");
            String plain = java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            out.write(("AUTHENTICATE \"PLAIN\" \"" + plain + "\"\r\n").getBytes(StandardCharsets.UTF_8));
            assertThat(sieveAnswer(in)).startsWith("OK");
            byte[] text = script.getBytes(StandardCharsets.UTF_8);
            out.write(("PUTSCRIPT \"" + name + "\" {" + text.length + "+}\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(text);
            out.write("\r\nSETACTIVE \"".getBytes(StandardCharsets.UTF_8));
            out.write((name + "\"\r\n").getBytes(StandardCharsets.UTF_8));
            assertThat(sieveAnswer(in)).startsWith("OK");
            assertThat(sieveAnswer(in)).startsWith("OK");
            out.write("LOGOUT\r\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The next ManageSieve response line (OK, NO or BYE), skipping capability lines. */
    static String sieveAnswer(java.io.BufferedReader in) throws IOException {
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("OK") && !line.startsWith("NO") && !line.startsWith("BYE")) { }
        return String.valueOf(line);
    }

    /** Back to the page with the session's cookie, then the settings. */
    void reopenSettings() {
        driver.get(base);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".mailbox[data-role=inbox]")));
        openSettings();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("set-filter-rules")));
    }

    @Test
    void filterRulesWrittenInTheSettingsSortMailDeliveredOverSmtpAndAHandWrittenScriptIsNotOverwrittenSilently() throws Exception {
        Store store = imap(IVY);
        try {
            assertThat(store.getFolder("Projects").create(Folder.HOLDS_MESSAGES)).isTrue();
        } finally {
            store.close();
        }
        login(IVY);
        openSettings();
        assertThat(driver.findElements(By.cssSelector("#filter-rules .frule"))).isEmpty();
        assertThat(driver.findElement(By.id("frules-hand-written")).isDisplayed()).isFalse();
        assertThat(driver.findElement(By.id("frules-replace-box")).isDisplayed()).isFalse();

        // subject contains X -> move to folder Y; X with a quote in it (escaped in the script)
        click("frules-add");
        WebElement rule = wait.until(d -> d.findElement(By.cssSelector("#filter-rules .frule")));
        rule.findElement(By.cssSelector(".frule-name")).sendKeys("Project mail");
        new Select(rule.findElement(By.cssSelector(".fcond-field"))).selectByValue("subject");
        new Select(rule.findElement(By.cssSelector(".fcond-op"))).selectByValue("contains");
        rule.findElement(By.cssSelector(".fcond-value")).sendKeys("Project \"X\"");
        new Select(rule.findElement(By.cssSelector(".fact-type"))).selectByValue("fileinto");
        rule.findElement(By.cssSelector(".fact-value")).sendKeys("Projects");
        ((JavascriptExecutor) driver).executeScript("document.getElementById('set-filter-rules').scrollIntoView()");
        screenshot("desktop-en-filter-rules");
        click("frules-save");
        assertThat(saved("frules-status")).isEqualTo("Saved");

        deliver(IVY, "About Project \"X\" today", m -> m);
        deliver(IVY, "Something else", m -> m);
        waitForImapFolder(IVY, "Projects", Map.of("About Project \"X\" today", false));
        waitForImapFolder(IVY, "INBOX", Map.of("Something else", false));

        // a fresh page reads the rules back from the script's header comment
        reopenSettings();
        WebElement again = wait.until(d -> d.findElement(By.cssSelector("#filter-rules .frule")));
        assertThat(again.findElement(By.cssSelector(".frule-name")).getDomProperty("value")).isEqualTo("Project mail");
        assertThat(again.findElement(By.cssSelector(".fcond-value")).getDomProperty("value")).isEqualTo("Project \"X\"");
        assertThat(new Select(again.findElement(By.cssSelector(".fact-type"))).getFirstSelectedOption().getDomAttribute("value")).isEqualTo("fileinto");
        assertThat(again.findElement(By.cssSelector(".fact-value")).getDomProperty("value")).isEqualTo("Projects");

        // the user's own Sieve client makes another script active: the page says so and does not overwrite it silently
        putActiveScriptOverManageSieve(IVY, "hand", "require \"fileinto\";\r\nif header :contains \"subject\" \"Handmade\" { fileinto \"Projects\"; }\r\n");
        reopenSettings();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("frules-hand-written")));
        assertThat(driver.findElement(By.id("frules-hand-written")).getText()).contains("\"hand\"", "written by hand");
        assertThat(driver.findElement(By.id("frules-replace-box")).isDisplayed()).isTrue();
        click("frules-save");
        assertThat(saved("frules-status")).startsWith("Not saved").contains("written by hand");
        deliver(IVY, "Handmade 1", m -> m);
        waitForImapFolder(IVY, "Projects", Map.of("About Project \"X\" today", false, "Handmade 1", false));

        // replacing it, once chosen: the rules are active again (the hand-written script kept, inactive)
        click("frules-replace");
        click("frules-save");
        assertThat(saved("frules-status")).isEqualTo("Saved");
        assertThat(driver.findElement(By.id("frules-hand-written")).isDisplayed()).isFalse();
        deliver(IVY, "Handmade 2", m -> m);
        deliver(IVY, "Project \"X\" again", m -> m);
        waitForImapFolder(IVY, "Projects", Map.of("About Project \"X\" today", false, "Handmade 1", false, "Project \"X\" again", false));
        waitForImapFolder(IVY, "INBOX", Map.of("Something else", false, "Handmade 2", false));

        // in Chinese
        ((JavascriptExecutor) driver).executeScript("localStorage.setItem('twinmail.lang', 'zh')");
        reopenSettings();
        assertThat(driver.findElement(By.cssSelector("#set-filter-rules h3")).getText()).isEqualTo("过滤规则");
        assertThat(new Select(driver.findElement(By.cssSelector("#filter-rules .fact-type"))).getFirstSelectedOption().getText()).isEqualTo("移动到文件夹");
        ((JavascriptExecutor) driver).executeScript("document.getElementById('set-filter-rules').scrollIntoView()");
        screenshot("desktop-zh-filter-rules");
    }

    @Test
    void theFirstLoadIsUnder200KilobytesCompressed() throws Exception {
        driver.get(base);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        login(ALICE);
        Number bytes = (Number) ((JavascriptExecutor) driver).executeScript(
                "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                        + ".reduce((s, e) => s + (e.encodedBodySize || 0), 0)");
        System.out.printf("webmail: first load %d bytes over the wire (bodies, compressed)%n", bytes.longValue());
        assertThat(bytes.longValue()).isPositive().isLessThan(200 * 1024);
    }
}
