/**
 * The vocabulary the server and its agents share: what a concrete rule is ({@link
 * io.microseg.controlplane.CompiledRule}, with its provenance), an address set and its member changes,
 * and the events of an agent's watch stream ({@link io.microseg.controlplane.AgentEvent}). The compiler
 * produces these types, the feed sends them, the agent enforces them; the agent depends on this package
 * and never on the compiler, the engine or the inventory.
 */
package io.microseg.controlplane;
