/**
 * The server side of the rule feed, without networking: {@link io.microseg.feed.FeedStore} splits the
 * engine's change sets into one stream of {@link io.microseg.controlplane.AgentEvent}s per agent (a node's
 * agent gets the rules of the node and of its pods, a host's agent those of the host, and the sets
 * those rules use), keeps a bounded history per agent, and serves subscriptions from a remembered
 * version; {@link io.microseg.feed.Deltas#merge} coalesces deltas for a slow reader.
 *
 * <p>An agent resumes from the version of the last event it applied. Versions must not repeat across
 * server restarts (start the engine after a growing value, see
 * {@link io.microseg.engine.Engine#Engine(io.microseg.compile.RuleBase, long)}): a version from an
 * earlier run is then older than the store and gets a replace snapshot.
 */
package io.microseg.feed;
import io.microseg.controlplane.AgentEvent;

