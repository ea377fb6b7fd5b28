module github.com/wsframe/wsframe/deflate/_compare

go 1.26.0

require (
	github.com/klauspost/compress v1.20.4
	github.com/wsframe/wsframe v0.0.0-00010101000000-000000000000
)

require (
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

// Development only: compare against the checkout this folder sits in.
replace github.com/wsframe/wsframe => ../..
