package io.microseg.source;

import io.microseg.engine.Change;
import io.microseg.input.InputException;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.InventoryReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A folder of inventory manifests, one source {@code folder:<folder>}: re-read whole with
 * {@link InventoryReader#readObjects} and delivered as a {@link Change.Replace} when its objects differ
 * from the last ones delivered. A broken file delivers nothing: the last good inventory stays.
 */
final class InventoryFolder extends WatchedFolder {
    private static final Logger LOG = LoggerFactory.getLogger(FolderSource.class);

    private final String source;
    private Set<InventoryObject> delivered;
    /** The warnings of the last reading, each logged when it first appears. */
    private Set<String> warned = Set.of();

    InventoryFolder(Path folder, FolderOutput output) {
        super(folder, output);
        this.source = "folder:" + folder;
    }

    @Override
    void refresh() {
        if (!Files.isDirectory(folder)) {
            gone("keeping the last good inventory of " + source + " until the folder is back");
            return;
        }
        missing = false;
        List<InventoryObject> objects;
        Set<String> warnings = new LinkedHashSet<>();
        try {
            objects = InventoryReader.readObjects(folder, warnings::add);
        } catch (InputException e) {
            output.problem(e, "keeping the last good inventory of " + source);
            return;
        } catch (UncheckedIOException e) {
            // A file or folder vanished while reading: its deletion event brings us back.
            LOG.debug("reading {}: {}", folder, e.toString());
            return;
        }
        for (String w : warnings) {
            if (!warned.contains(w)) LOG.warn("{}", w);
        }
        warned = warnings;
        Set<InventoryObject> now = new HashSet<>(objects);
        if (now.equals(delivered)) return;
        delivered = now;
        output.emit(new Change.Replace(source, objects));
    }
}
