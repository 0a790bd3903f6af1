package io.microseg.matrix;

import java.util.List;

/**
 * Names a group of ends for people: a single end by its id; several by what their ids share, cut at a
 * name boundary and starred, so that the pods of one deployment read as {@code pod/prod/shop/web-*}
 * and a namespace's pods as {@code pod/prod/shop/*}. A name is a label, not an identity: two groups
 * may share one (pods of one deployment that differ in readiness); the members tell them apart.
 */
final class GroupNames {
    private GroupNames() {}

    static String name(List<String> ids) {
        if (ids.size() == 1) return ids.get(0);
        String prefix = ids.get(0);
        for (String id : ids) {
            int i = 0;
            while (i < prefix.length() && i < id.length() && prefix.charAt(i) == id.charAt(i)) i++;
            prefix = prefix.substring(0, i);
        }
        int cut = Math.max(prefix.lastIndexOf('/'), Math.max(prefix.lastIndexOf('-'), prefix.lastIndexOf('.')));
        return prefix.substring(0, cut + 1) + "*";
    }
}
