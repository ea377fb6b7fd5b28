// Package epoll is the event-loop engine of `wsbench serve` (Linux only):
// the echo protocol of package echo, driven from one epoll loop per P
// instead of a goroutine per connection, with the HTTP side done on raw
// bytes by package handshake. On other systems Listen says so.
package epoll
