package io.microseg.source;

import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.policy.PolicyInputs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A folder of policy files ({@code *.yaml}, {@code *.yml}, {@code *.json} below it), one source per
 * file: a refresh reads the files whose content changed (by digest), marks the deleted ones, and lets
 * {@link PolicyDelivery} decide what goes to the sink across every policy folder.
 */
final class PolicyFolder extends WatchedFolder {
    private static final Logger LOG = LoggerFactory.getLogger(FolderSource.class);

    private final Map<Path, PolicyFile> files = new TreeMap<>();
    private final PolicyDelivery delivery;

    PolicyFolder(Path folder, FolderOutput output, PolicyDelivery delivery) {
        super(folder, output);
        this.delivery = delivery;
    }

    Collection<PolicyFile> files() {
        return files.values();
    }

    @Override
    void refresh() {
        if (!Files.isDirectory(folder)) {
            gone("keeping the last good policies of " + folder + " until the folder is back");
            return;
        }
        missing = false;
        Set<Path> present = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.filter(YamlDocuments::isInputFile).forEach(present::add);
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("listing {}: {}", folder, e.toString());
            return; // something vanished while listing: its deletion event brings us back
        }
        for (Path path : present) readIfChanged(files.computeIfAbsent(path, PolicyFile::new));
        files.forEach((path, file) -> {
            if (!present.contains(path)) file.deleted();
        });
        delivery.deliver();
        files.values().removeIf(PolicyFile::forgotten);
    }

    private void readIfChanged(PolicyFile file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file.path);
        } catch (NoSuchFileException e) {
            return; // deleted since listing: its deletion event brings us back
        } catch (IOException e) {
            file.report(new InputException(file.path.toString(), 0, null, null, "cannot read the file: " + e), output);
            return;
        }
        byte[] digest = sha256(bytes);
        if (Arrays.equals(digest, file.digest)) return;
        file.changed(digest);
        try {
            // What PolicyReader.readFile does, from the bytes the digest is of.
            List<Document> docs = YamlDocuments.parse(file.path.toString(), bytes);
            file.read = PolicyInputs.read(docs);
            Map<String, Integer> lines = new HashMap<>();
            for (Document d : docs) {
                if (PolicyInputs.isWorkspace(d)) lines.putIfAbsent(PolicyFile.workspaceName(d.name()), d.line());
            }
            for (PolicyInputs.Located<?> np : file.read.located()) {
                lines.putIfAbsent(PolicyFile.policyName(np.policy()), np.document().line());
            }
            file.lines = lines;
        } catch (InputException e) {
            file.report(e, output);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
