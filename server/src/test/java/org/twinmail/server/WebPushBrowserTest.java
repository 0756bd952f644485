package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.twinmail.core.config.TwinmailConfig;

/**
 * The webmail as a PWA in a real headless Chromium (on localhost, a secure context): Chromium
 * itself parses the manifest without errors and finds the app installable, the service worker
 * registers with scope /mail/ and controls the page, and a push message delivered to it through
 * the DevTools protocol shows a notification with the sender as title and the subject as body.
 * The settings page shows the "notify me of new mail" toggle.
 */
class WebPushBrowserTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final Path SCREENSHOTS = Path.of("..", "web", "target", "screenshots");
    @TempDir
    Path data;

    @Test
    @SuppressWarnings("unchecked")
    void theManifestIsValidTheWorkerRegistersAndAPushShowsANotification() throws Exception {
        TwinmailConfig c = TestConfigs.loopback(data);
        try (TwinmailServer server = TwinmailServer.start(c)) {
            assertThat(CliRunner.run("admin", "--data", data.toString(), "domain", "add", "pwa.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", data.toString(), "user", "add", "li@pwa.example", "--password", "Pw-12345678").exit()).isZero();
            String origin = "http://localhost:" + server.httpAddresses().getFirst().getPort();
            ChromeOptions o = new ChromeOptions();
            o.setBinary("/usr/bin/chromium");
            o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=420,860",
                    "--lang=en-US", "--no-first-run", "--disable-extensions");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                    .usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, o);
            try {
                WebDriverWait wait = new WebDriverWait(driver, WAIT);
                JavascriptExecutor js = driver;
                driver.get(origin + "/mail/");
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user"))).sendKeys("li@pwa.example");
                driver.findElement(By.id("login-pass")).sendKeys("Pw-12345678");
                driver.findElement(By.id("login-submit")).click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".mailbox[data-role=inbox]")));

                // the service worker: registered by the page, scope /mail/, active
                Map<String, Object> reg = (Map<String, Object>) js.executeAsyncScript(
                        "const done = arguments[arguments.length - 1];"
                                + "Promise.race([navigator.serviceWorker.ready, new Promise((_, no) => setTimeout(() => no(new Error('no worker')), 25000))])"
                                + ".then(r => done({scope: r.scope, script: r.active && r.active.scriptURL, state: r.active && r.active.state}))"
                                + ".catch(e => done({error: String(e)}));");
                assertThat(reg).as(String.valueOf(reg)).containsEntry("scope", origin + "/mail/").containsEntry("script", origin + "/mail/sw.js");
                // after a reload the worker controls the page (and fetched the shell through it)
                driver.navigate().refresh();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".mailbox[data-role=inbox]")));
                wait.until(d -> (Boolean) js.executeScript("return navigator.serviceWorker.controller !== null"));
                assertThat((Boolean) js.executeAsyncScript("const done = arguments[arguments.length - 1];"
                        + "caches.open('twinmail-shell-v1').then(c => c.match('/mail/')).then(r => done(!!r)).catch(() => done(false));"))
                        .as("the app shell is in the worker's cache").isTrue();

                // the manifest as Chromium reads it: no errors, installable
                Map<String, Object> manifest = driver.executeCdpCommand("Page.getAppManifest", Map.of());
                assertThat(manifest.get("url")).isEqualTo(origin + "/mail/manifest.webmanifest");
                assertThat((List<Object>) manifest.get("errors")).as(String.valueOf(manifest.get("errors"))).isEmpty();
                assertThat((String) manifest.get("data")).contains("\"start_url\": \"/mail/\"");
                Map<String, Object> installability = wait.until(d -> {
                    Map<String, Object> r = driver.executeCdpCommand("Page.getInstallabilityErrors", Map.of());
                    return ((List<Object>) r.get("installabilityErrors")).isEmpty() ? r : null;
                });
                assertThat((List<Object>) installability.get("installabilityErrors")).isEmpty();
                for (String icon : List.of("icon-192.png", "icon-512.png", "icon-maskable-512.png")) {
                    Object size = js.executeAsyncScript("const done = arguments[arguments.length - 1]; const i = new Image();"
                            + "i.onload = () => done(i.naturalWidth + 'x' + i.naturalHeight); i.onerror = () => done('error');"
                            + "i.src = '/mail/static/" + icon + "';");
                    assertThat(size).as(icon).isEqualTo(icon.contains("192") ? "192x192" : "512x512");
                }

                // a push message as a push service would hand it to the browser: the worker shows it
                driver.executeCdpCommand("Browser.grantPermissions", Map.of("origin", origin, "permissions", List.of("notifications")));
                String payload = "{\"type\":\"mail\",\"emailId\":\"e0123456789abcdef01234567\",\"from\":\"王芳\",\"subject\":\"周五聚餐\"}";
                driver.executeCdpCommand("ServiceWorker.enable", Map.of());
                // A page cannot see its registration's id: a fresh profile numbers them from 0, and DevTools
                // ignores ids that do not exist, so the message goes to the first few. A push that reaches a
                // worker still starting can be lost in headless Chromium, so it is delivered again at each
                // poll until the notification is there (its tag shows it once).
                Map<String, Object> shown = new WebDriverWait(driver, Duration.ofSeconds(60), Duration.ofSeconds(2)).until(d -> {
                    for (String id : List.of("0", "1", "2", "3")) {
                        try {
                            driver.executeCdpCommand("ServiceWorker.deliverPushMessage", Map.of("origin", origin, "registrationId", id, "data", payload));
                        } catch (RuntimeException notThisOne) {
                            // no such registration
                        }
                    }
                    return (Map<String, Object>) js.executeAsyncScript("const done = arguments[arguments.length - 1];"
                            + "setTimeout(() => navigator.serviceWorker.ready.then(r => r.getNotifications({tag: 'e0123456789abcdef01234567'}))"
                            + ".then(n => done(n.length === 1 ? {title: n[0].title, body: n[0].body, tag: n[0].tag} : null)).catch(() => done(null)), 1000);");
                });
                assertThat(shown).containsEntry("title", "王芳").containsEntry("body", "周五聚餐").containsEntry("tag", "e0123456789abcdef01234567");

                // the settings page offers the toggle
                driver.findElement(By.id("settings-open")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("push-toggle")));
                assertThat(driver.findElement(By.cssSelector("#set-push h3")).getText()).isEqualTo("Notifications");
                Files.createDirectories(SCREENSHOTS);
                driver.executeScript("document.getElementById('set-push').scrollIntoView()");
                Files.write(SCREENSHOTS.resolve("push-settings-phone.png"), driver.getScreenshotAs(OutputType.BYTES));
            } finally {
                driver.quit();
            }
        }
    }
}
