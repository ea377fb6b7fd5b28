// Package epoll is the event-loop engine of `wsbench serve` (Linux only):
// the echo protocol of package echo, driven from one epoll loop per P
// instead of a goroutine per connection, with the HTTP side done on raw
// bytes by package handshake. On other systems Listen says so.
//
// It enforces the server's echo.Limits: the handshake, idle (with a
// ping), write and close timeouts, kept in a coarse timer wheel per loop
// that costs a message one store; MaxConns and descriptor exhaustion, by
// taking the listener out of epoll until connections close or a back-off
// ends; and MaxBuffered, for output a client does not read.
package epoll
