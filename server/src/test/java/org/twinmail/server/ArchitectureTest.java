package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of docs/architecture.md, enforced. The allowed arrows are read from
 * the diagram in that document (its first code block), so the picture and the build
 * cannot disagree: an arrow the document does not draw fails here, and so does a module
 * the document does not name.
 *
 * <p>Checked twice: each module's pom may declare only the modules it has an arrow to,
 * and every compiled class of module {@code m} (package {@code org.twinmail.m}) may use
 * classes of another module only when {@code m} reaches it through the arrows (a path,
 * not only a direct arrow: {@code smtp ──> protocol ──> core} lets smtp use core).
 * Besides the arrows, each protocol's parser package knows no store and no network.
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String PREFIX = "org.twinmail.";
    private static final Pattern ARROW = Pattern.compile("^([a-z0-9, ]+?)\\s*──>\\s*([a-z0-9, ]+)");
    private static final Pattern LONE = Pattern.compile("^([a-z0-9]+)(\\s{2,}.*)?$");

    /** The pure parsers (no store, no I/O): package and what it must not use. */
    private static final List<String> PARSER_PACKAGES = List.of(
            "org.twinmail.imap.protocol", "org.twinmail.smtp.command", "org.twinmail.pop3.command");
    private static final List<String> PARSER_FORBIDDEN = List.of(
            "org.twinmail.store.", "java.net.", "javax.net.", "java.nio.channels.", "org.twinmail.protocol.net.");

    private static Map<String, Set<String>> arrows;
    private static JavaClasses classes;

    @BeforeAll
    static void read() throws IOException {
        arrows = readDiagram(Files.readString(ROOT.resolve("docs/architecture.md")));
        // the reactor's modules reach this test as target/classes folders or as their jars
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> location.asURI().toString().contains("/target/classes")
                        || location.asURI().toString().matches(".*/twinmail-[a-z0-9]+-[^/]*\\.jar.*"))
                .importPackages("org.twinmail");
    }

    /** Parses {@code a, b ──> c, d   (comment)} lines and lone {@code name   (comment)} lines of the first code block. */
    static Map<String, Set<String>> readDiagram(String doc) {
        int start = doc.indexOf("```\n");
        int end = doc.indexOf("```", start + 4);
        assertThat(start).as("docs/architecture.md has a code block with the module diagram").isGreaterThanOrEqualTo(0);
        Map<String, Set<String>> result = new LinkedHashMap<>();
        for (String line : doc.substring(start + 4, end).split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) continue;
            Matcher m = ARROW.matcher(l);
            if (m.find()) {
                for (String from : m.group(1).split(",")) {
                    Set<String> to = result.computeIfAbsent(from.strip(), k -> new LinkedHashSet<>());
                    for (String t : m.group(2).split(",")) {
                        String name = t.strip().split("\\s+")[0];
                        if (!name.isEmpty()) {
                            to.add(name);
                            result.computeIfAbsent(name, k -> new LinkedHashSet<>());
                        }
                    }
                }
                continue;
            }
            Matcher lone = LONE.matcher(l);
            if (lone.matches()) result.computeIfAbsent(lone.group(1), k -> new LinkedHashSet<>());
        }
        return result;
    }

    private static Set<String> reachable(String module) {
        Set<String> seen = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(arrows.getOrDefault(module, Set.of()));
        while (!todo.isEmpty()) {
            String m = todo.pop();
            if (seen.add(m)) todo.addAll(arrows.getOrDefault(m, Set.of()));
        }
        return seen;
    }

    private static String moduleOf(String className) {
        if (!className.startsWith(PREFIX)) return null;
        String rest = className.substring(PREFIX.length());
        int dot = rest.indexOf('.');
        return dot < 0 ? null : rest.substring(0, dot);
    }

    @Test
    void theDiagramIsReadable() {
        assertThat(arrows).containsKeys("core", "store", "protocol", "smtp", "imap", "pop3", "server");
        assertThat(reachable("smtp")).contains("protocol", "core");
        assertThat(reachable("core")).isEmpty();
    }

    @Test
    void everyModuleIsInTheDiagram() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String module : pomModules()) {
            if (!arrows.containsKey(module)) missing.add(module);
        }
        assertThat(missing).as("modules of pom.xml that docs/architecture.md's diagram does not name").isEmpty();
    }

    @Test
    void pomDependenciesFollowTheArrows() throws IOException {
        List<String> wrong = new ArrayList<>();
        Pattern dep = Pattern.compile("<dependency>\\s*<groupId>org\\.twinmail</groupId>\\s*<artifactId>twinmail-([a-z0-9]+)</artifactId>(.*?)</dependency>", Pattern.DOTALL);
        for (String module : pomModules()) {
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            Matcher m = dep.matcher(pom);
            while (m.find()) {
                String target = m.group(1);
                if (m.group(2).contains("<scope>test</scope>")) continue;   // tests may drive anything
                if (!arrows.getOrDefault(module, Set.of()).contains(target)) wrong.add(module + " ──> " + target);
            }
        }
        assertThat(wrong).as("pom dependencies that docs/architecture.md does not draw").isEmpty();
    }

    @Test
    void classesUseOnlyModulesTheyReach() {
        assertThat(classes.size()).as("classes imported").isGreaterThan(100);
        Set<String> wrong = new TreeSet<>();
        for (JavaClass c : classes) {
            String from = moduleOf(c.getName());
            if (from == null || !arrows.containsKey(from)) continue;
            Set<String> allowed = reachable(from);
            c.getDirectDependenciesFromSelf().forEach(d -> {
                String to = moduleOf(d.getTargetClass().getName());
                if (to != null && !to.equals(from) && !allowed.contains(to)) {
                    wrong.add(from + " ──> " + to + ": " + c.getName() + " uses " + d.getTargetClass().getName());
                }
            });
        }
        assertThat(wrong).as("uses of a module the arrows do not reach").isEmpty();
    }

    @Test
    void parsersKnowNoStoreAndNoNetwork() {
        Set<String> wrong = new TreeSet<>();
        for (JavaClass c : classes) {
            if (PARSER_PACKAGES.stream().noneMatch(p -> c.getPackageName().startsWith(p))) continue;
            c.getDirectDependenciesFromSelf().forEach(d -> {
                String target = d.getTargetClass().getName();
                if (PARSER_FORBIDDEN.stream().anyMatch(target::startsWith)) wrong.add(c.getName() + " uses " + target);
            });
        }
        assertThat(wrong).as("parser classes that reach the store or the network").isEmpty();
        assertThat(classes.stream().filter(c -> c.getPackageName().startsWith("org.twinmail.imap.protocol")).count())
                .as("the IMAP parser package was found").isPositive();
    }

    private static List<String> pomModules() throws IOException {
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        List<String> modules = new ArrayList<>();
        Matcher m = Pattern.compile("<module>([a-z0-9]+)</module>").matcher(parent);
        while (m.find()) modules.add(m.group(1));
        return modules;
    }
}
