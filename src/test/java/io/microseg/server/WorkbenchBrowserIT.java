package io.microseg.server;

import io.microseg.config.MicrosegConfig;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.microseg.server.TestServer.NODE_1;
import static io.microseg.server.TestServer.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web workbench in a real browser: Debian's headless Chromium driven by Selenium through the system's
 * chromedriver (never one Selenium downloads), against real servers on copies of the demo. Without Chromium
 * or its driver the tests are skipped, except with MICROSEG_E2E_REQUIRED=1 (as .ci/run sets it), where that
 * is a failure. Screenshots of the main pages go to target/workbench-screenshots, and to the folder named by
 * -Dworkbench.screenshots (docs/workbench.md says how to refresh docs/workbench/*.png).
 */
class WorkbenchBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    @TempDir
    Path dir;

    @BeforeAll
    static void browserPresent() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "1".equals(System.getenv("MICROSEG_E2E_REQUIRED"))) {
            fail("the browser tests must run here (MICROSEG_E2E_REQUIRED=1) but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing: apt-get install chromium chromium-driver");
        }
        assumeTrue(present, "browser tests skipped: " + CHROMIUM + " or " + CHROMEDRIVER + " is missing (apt-get install chromium chromium-driver)");
    }

    private WebDriver browser() throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"));
        // the system's driver, named: Selenium Manager never looks for (or downloads) one; quit() stops it
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static WebDriverWait waiting(WebDriver b) {
        return new WebDriverWait(b, Duration.ofSeconds(30));
    }

    private static WebElement visible(WebDriver b, String css) {
        return waiting(b).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    @Test
    void anOperatorFollowsAWorkloadToItsDrlTracesADenialEditsDrlAndSeesARelabel() throws Exception {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        try (TestServer t = new TestServer(dir, TestServer.settings(), rules).start()) {
            WebDriver b = browser();
            try {
                String base = "http://127.0.0.1:" + t.port + "/";
                b.get(base);
                // signed out: the sign-in form, and no data
                visible(b, "#signin");
                assertThat(b.findElement(By.id("page")).getText()).doesNotContain("web-prod-0");
                // an agent's token is refused
                b.findElement(By.id("token")).sendKeys(NODE_1);
                b.findElement(By.id("signin-button")).click();
                assertThat(visible(b, "#signin-error").getText()).contains("agents' tokens cannot open the workbench");
                b.findElement(By.id("token")).clear();
                b.findElement(By.id("token")).sendKeys(OPERATOR);
                b.findElement(By.id("signin-button")).click();
                visible(b, "#workloads");
                assertThat(b.findElement(By.id("whoami")).getText()).isEqualTo("alice");
                waiting(b).until(ExpectedConditions.textToBe(By.id("live"), "live"));

                // search, open a workload, its rules in order, a peer set's members on demand
                WebElement search = b.findElement(By.id("search"));
                search.sendKeys("environment=production");
                b.findElement(By.id("search-button")).click();
                waiting(b).until(d -> d.findElements(By.cssSelector("#workloads .workload-link")).size() == 2);
                shot(b, "workloads");
                b.findElement(By.linkText("pod/demo/web/web-prod-0")).click();
                visible(b, "#rules-egress");
                List<WebElement> egress = b.findElements(By.cssSelector("#rules-egress tr.rule"));
                assertThat(egress.get(0).getText()).contains("ALLOW").contains("demo/production-to-db");
                assertThat(egress.get(egress.size() - 1).getText()).contains("DENY").contains("CATCHALL");
                WebElement members = b.findElement(By.cssSelector("#rules-egress .show-members"));
                members.click();
                assertThat(visible(b, "#rules-egress tr.members:not([hidden]) .member-list").getText()).isNotBlank();
                shot(b, "workload");

                // follow a rule to its DRL line
                WebElement ruleLink = b.findElement(By.xpath("//table[@id='rules-egress']//a[text()=\"Consumer pods reach the service's ClusterIP on the service port\"]"));
                ruleLink.click();
                WebElement first = visible(b, "#justification-0 .drl-line.hl.first");
                int line = TestFiles.lineOf(rules.resolve("services.drl"), "rule \"Consumer pods reach the service's ClusterIP on the service port\"");
                assertThat(first.getAttribute("data-line")).isEqualTo(String.valueOf(line));
                assertThat(first.getText()).contains("rule \"Consumer pods reach the service's ClusterIP on the service port\"");
                assertThat(b.findElement(By.cssSelector("#justification-0 .drl-location")).getText()).isEqualTo("rules/services.drl:" + line);
                assertThat(b.findElement(By.id("rule-policy")).getText()).isEqualTo("demo/production-to-db");
                assertThat(b.findElement(By.cssSelector("#justification-0 .matched")).getText()).contains("pod/demo/web/web-prod-0");
                shot(b, "rule");

                // trace a denied flow and see why
                b.findElement(By.cssSelector("#nav a[data-page=trace]")).click();
                visible(b, "#trace-form");
                b.findElement(By.id("trace-from")).sendKeys("pod/demo/web/web-dev-0");
                b.findElement(By.id("trace-to")).sendKeys("db.data");
                b.findElement(By.id("trace-port")).clear();
                b.findElement(By.id("trace-port")).sendKeys("tcp/27017");
                b.findElement(By.id("trace-button")).click();
                assertThat(visible(b, "#trace-verdict").getText()).contains("DENY");
                assertThat(b.findElement(By.id("trace-why")).getText()).isNotBlank();
                assertThat(b.findElement(By.cssSelector("li.hop.deny .why")).getText()).contains("Why no ALLOW policy decided");
                shot(b, "trace");
                b.findElement(By.cssSelector("li.hop.deny a.deciding-rule")).click();
                assertThat(visible(b, "#rule-summary").getText()).contains("DENY");

                // the matrix, audit and agents pages answer
                b.findElement(By.cssSelector("#nav a[data-page=matrix]")).click();
                assertThat(visible(b, "#matrix").getText()).contains("service/demo/data/db").contains("ALLOW").contains("DENY");
                shot(b, "matrix");
                b.findElement(By.cssSelector("#nav a[data-page=audit]")).click();
                visible(b, "#audit-empty");
                b.findElement(By.cssSelector("#nav a[data-page=agents]")).click();
                assertThat(visible(b, "#agents-summary").getText()).contains("out of sync");
                assertThat(b.findElements(By.cssSelector("#agents tr.out-of-sync"))).isNotEmpty();
                shot(b, "agents");

                // edit DRL: an error at its line in the gutter, then a valid change and its flips
                b.get(base + "#/edit?file=rules/services.drl&line=" + line);
                WebElement editor = visible(b, "#editor");
                String drl = TestFiles.read(rules.resolve("services.drl"));
                assertThat(editor.getAttribute("value")).isEqualTo(drl);
                int then = TestFiles.lineOf(rules.resolve("services.drl"), "    $g : ServiceGrant(hasClusterIp)") + 1;
                setText(b, editor, replaceLine(drl, then, "then\n    this is not java;"));
                b.findElement(By.id("check")).click();
                WebElement mark = visible(b, "#gutter .gl.err");
                int marked = Integer.parseInt(mark.getAttribute("data-line"));
                assertThat(marked).isBetween(line, then + 2);
                assertThat(mark.getAttribute("title")).isNotBlank();
                assertThat(b.findElement(By.id("problems")).getText()).contains("rules/services.drl:" + marked);
                shot(b, "edit-error");
                setText(b, editor, drl.replace("rule \"Consumer pods reach the service's ClusterIP on the service port\"\n",
                        "rule \"Consumer pods reach the service's ClusterIP on the service port\"\n    enabled false\n"));
                b.findElement(By.id("check")).click();
                waiting(b).until(ExpectedConditions.textToBe(By.id("edit-status"), "No problem: the file would be accepted."));
                assertThat(b.findElements(By.cssSelector("#gutter .gl.err"))).isEmpty();
                b.findElement(By.id("preview")).click();
                WebElement flip = visible(b, "#flip-table tr.flip");
                assertThat(b.findElement(By.id("flip-table")).getText()).contains("pod/demo/web/web-prod-0").contains("service/demo/data/db");
                assertThat(flip.getText()).contains("ALLOW").contains("DENY");
                assertThat(b.findElement(By.id("edit-status")).getText()).contains("ALLOW→DENY");
                shot(b, "edit-preview");
                // nothing was applied
                assertThat(TestFiles.read(rules.resolve("services.drl"))).isEqualTo(drl);

                // a relabelled pod shows on its page without a reload, with the new version
                b.get(base + "#/workload/" + java.net.URLEncoder.encode("pod/demo/web/web-dev-0", java.nio.charset.StandardCharsets.UTF_8));
                WebElement labels = visible(b, "#workload-labels");
                assertThat(labels.getText()).contains("orchestrator_environment=development");
                String version = b.findElement(By.id("version")).getText();
                int rulesBefore = b.findElements(By.cssSelector("#rules-egress tr.rule")).size();
                TestFiles.edit(t.inventory.resolve("web.yaml"), "environment: development", "environment: production");
                waiting(b).until(d -> d.findElement(By.id("workload-labels")).getText().contains("orchestrator_environment=production"));
                assertThat(b.findElement(By.id("version")).getText()).isNotEqualTo(version);
                assertThat(b.findElements(By.cssSelector("#rules-egress tr.rule")).size()).isGreaterThan(rulesBefore);
                assertThat(b.findElement(By.id("rules-egress")).getText()).contains("demo/production-to-db");

                // signing out: the data is gone and the session no longer reads
                b.findElement(By.id("signout")).click();
                visible(b, "#signin");
                b.get(base + "#/workloads");
                visible(b, "#signin");
            } finally {
                b.quit();
            }
        }
    }

    @Test
    void withoutAuthenticationTheWorkbenchOpensDirectlyAsTheDemoServesIt() throws Exception {
        try (TestServer t = new TestServer(dir, TestServer.settings().withAuth(MicrosegConfig.Auth.INSECURE)).start()) {
            WebDriver b = browser();
            try {
                b.get("http://127.0.0.1:" + t.port + "/");
                assertThat(visible(b, "#workloads").getText()).contains("pod/demo/web/web-prod-0").contains("host/backup-prod");
                assertThat(b.findElement(By.id("whoami")).getText()).contains("no authentication");
                assertThat(b.findElement(By.id("signout")).isDisplayed()).isFalse();
                waiting(b).until(d -> d.findElement(By.id("version")).getText().matches("version \\d+"));
            } finally {
                b.quit();
            }
        }
    }

    private static void setText(WebDriver b, WebElement area, String text) {
        ((JavascriptExecutor) b).executeScript("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", area, text);
    }

    private static String replaceLine(String text, int line, String with) {
        String[] lines = text.split("\n", -1);
        lines[line - 1] = with;
        return String.join("\n", lines);
    }

    /** A screenshot of the page as it is, to target/workbench-screenshots and the -Dworkbench.screenshots folder. */
    private static void shot(WebDriver b, String name) throws IOException {
        File png = ((TakesScreenshot) b).getScreenshotAs(OutputType.FILE);
        List<Path> folders = new java.util.ArrayList<>(List.of(Path.of("target/workbench-screenshots")));
        String extra = System.getProperty("workbench.screenshots");
        if (extra != null && !extra.isBlank()) folders.add(Path.of(extra));
        for (Path f : folders) {
            Files.createDirectories(f);
            Files.copy(png.toPath(), f.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
