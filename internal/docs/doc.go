// Package docs holds no code: its test checks that every Go snippet in
// the README is the text of an example that go test compiles and runs, so
// that the README cannot drift from the API.
package docs
