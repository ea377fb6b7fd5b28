// Package peers compares wsframe with other Go WebSocket libraries. It is a
// module of its own so that the main module never depends on them; the
// versions compared are pinned in this folder's go.mod and named next to
// every number in the README.
package peers
