package io.microseg.compile;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A relation counts its pairs the same whether a key or item holds one partner or several. */
class RelationTest {
    @Test
    void aPairAssertedTwiceStaysUntilRetractedTwice() {
        Relation r = new Relation(true);
        assertTrue(r.update("k", "a", true));
        assertFalse(r.update("k", "a", true));
        assertFalse(r.update("k", "a", false));
        assertTrue(r.holds("k", "a"));
        assertEquals(Set.of("a"), Set.copyOf(r.members("k")));
        assertEquals(Set.of("k"), r.keysOf("a"));
        assertTrue(r.update("k", "a", false));
        assertFalse(r.holds("k", "a"));
        assertTrue(r.members("k").isEmpty());
        assertTrue(r.keysOf("a").isEmpty());
        assertFalse(r.update("k", "a", false));
    }

    @Test
    void keysAndItemsGrowFromOnePartnerToManyAndBack() {
        Relation r = new Relation(true);
        r.update("k", "a", true);
        r.update("k", "b", true);
        r.update("j", "a", true);
        assertEquals(Set.of("a", "b"), Set.copyOf(r.members("k")));
        assertEquals(Set.of("k", "j"), r.keysOf("a"));
        assertFalse(r.holds("j", "b"));
        assertFalse(r.update("j", "b", false));
        assertTrue(r.update("k", "a", false));
        assertEquals(Set.of("b"), Set.copyOf(r.members("k")));
        assertEquals(Set.of("j"), r.keysOf("a"));
        assertTrue(r.update("k", "b", false));
        assertTrue(r.update("j", "a", false));
        assertTrue(r.members("k").isEmpty());
        assertTrue(r.keysOf("a").isEmpty());
        assertTrue(r.keysOf("b").isEmpty());
    }

    @Test
    void aKeyHoldingOneItemDoesNotHoldAnother() {
        Relation r = new Relation(false);
        r.update("k", "a", true);
        assertFalse(r.holds("k", "b"));
        assertFalse(r.update("k", "b", false));
        assertTrue(r.holds("k", "a"));
    }
}
