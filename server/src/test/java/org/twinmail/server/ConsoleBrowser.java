package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium driving the admin console, for the browser tests: the console's steps (log in,
 * go to a page and wait until it has rendered, type, click) each waiting on a condition with a
 * deadline, and screenshots into web/target/screenshots, desktop and phone.
 */
final class ConsoleBrowser implements AutoCloseable {
    static final Path SCREENSHOTS = Path.of("..", "web", "target", "screenshots").toAbsolutePath().normalize();

    final WebDriver driver;
    final WebDriverWait wait;
    /** The console's node, {@code http://127.0.0.1:<port>}. */
    String base;

    ConsoleBrowser(String base, Duration timeout) throws java.io.IOException {
        this.base = base;
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
                "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        // a page that re-renders itself (the pair page refreshes its figures) may replace an element between the
        // moment it is found and the moment it is read: the wait's steps find it again instead of failing
        wait = new WebDriverWait(driver, timeout, Duration.ofMillis(50));
        wait.ignoring(StaleElementReferenceException.class);
        Files.createDirectories(SCREENSHOTS);
    }

    void login(String name, String password, String code) {
        waitFor(By.id("login-name"));
        type("login-name", name);
        type("login-password", password);
        type("login-code", code);
        click("login-submit");
        waitFor(By.id("who"));
        waitFor(By.cssSelector("#page[data-ready='true']"));
    }

    void page(String hash) {
        String before = driver.findElements(By.id("page")).isEmpty() ? "" : driver.findElement(By.id("page")).getDomAttribute("data-page");
        driver.get(base + "/console/#/" + hash);
        String name = hash.replaceAll("\\?.*", "");
        wait.until(ExpectedConditions.attributeToBe(By.id("page"), "data-page", name));
        waitFor(By.cssSelector("#page[data-ready='true']"));
        assertThat(before).isNotNull();
    }

    WebElement waitFor(By by) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    void type(String id, String text) {
        WebElement e = waitFor(By.id(id));
        e.clear();
        e.sendKeys(text);
    }

    void click(String id) {
        wait.until(ExpectedConditions.elementToBeClickable(By.id(id))).click();
    }

    /** The visible text of the element {@code by} finds, found and read in one step (again if it was replaced meanwhile). */
    String text(By by) {
        return wait.until(d -> {
            WebElement e = d.findElement(by);
            return e.isDisplayed() ? e.getText() : null;
        });
    }

    /** An attribute of the element {@code by} finds, found and read in one step (again if it was replaced meanwhile). */
    String attribute(By by, String name) {
        return wait.until(d -> {
            WebElement e = d.findElement(by);
            return e.isDisplayed() ? java.util.Objects.requireNonNullElse(e.getDomAttribute(name), "") : null;
        });
    }

    void shootBoth(String name) throws Exception {
        shoot(name + "-desktop");
        driver.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> d.manage().window().getSize().getWidth() <= 400);
        shoot(name + "-phone");
        driver.manage().window().setSize(new Dimension(1280, 900));
        wait.until(d -> d.manage().window().getSize().getWidth() >= 1200);
    }

    void shoot(String name) throws Exception {
        Path png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
        driver.quit();
    }
}
